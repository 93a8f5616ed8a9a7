"""Choices of forecasting: short lowercase values, labels translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.choices import DeliveryState

# A provisional delivery still "targeting pending": neither sent nor cancelled.
PLANNED_STATES = (DeliveryState.EDITION, DeliveryState.PENDING)


class ForecastStatus(models.TextChoices):
    """A forecast is built beside the current one, then takes its place in one step."""

    BUILDING = "building", _("Being built")
    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Superseded")
    FAILED = "failed", _("Failed")


class Recurrence(models.TextChoices):
    """The days a capacity rule's daily quantity is available."""

    EVERY_DAY = "every_day", _("Every day")
    WORKING_DAYS = "working_days", _("Working days (Monday to Friday)")


class DeliveryOutcome(models.TextChoices):
    """What the forecast could make of a provisional delivery."""

    FORECAST = "forecast", _("Forecast")
    NO_TARGET = "no_target", _("No target")
    OTHER_PROFILE_TABLE = "other_table", _("Targets another profile table")
    INVALID_TARGET = "invalid_target", _("Target filter not valid")


OUTCOME_COLORS = {
    DeliveryOutcome.FORECAST: "ok",
    DeliveryOutcome.NO_TARGET: "warning",
    DeliveryOutcome.OTHER_PROFILE_TABLE: "warning",
    DeliveryOutcome.INVALID_TARGET: "error",
}
