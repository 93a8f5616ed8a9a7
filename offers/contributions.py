"""What the offer catalog brings to the platform through the plug-in points."""

from workflows.plugins import Contributions

from .datagen import GENERATED_TABLES

contributions = Contributions(
    generated_tables=GENERATED_TABLES,
)
