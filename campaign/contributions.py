"""What the core brings to the platform through the plug-in points."""

from workflows.plugins import Contributions

from .devtools.datagen.tables import GENERATED_TABLES

contributions = Contributions(
    generated_tables=GENERATED_TABLES,
)
