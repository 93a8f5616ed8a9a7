"""What the offer catalog brings to the platform through the plug-in points."""

from workflows.plugins import Contributions

contributions = Contributions()
