"""Choices of alias cleansing: short lowercase values, labels translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    """What became of a cleansing run's rewrites."""

    APPLIED = "applied", _("Applied")
    REVERTED = "reverted", _("Reverted")


class HitsMode(models.TextChoices):
    INCREMENTAL = "incremental", _("Incremental (since the last run)")
    FULL = "full", _("Full (recounted)")
