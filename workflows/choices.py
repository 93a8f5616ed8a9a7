"""Choices of the workflow engine, with the badge colour of each status next to it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkflowState(models.TextChoices):
    STARTED = "started", _("Started")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    PRODUCTION = "production", _("Production")
    CRITICAL = "critical", _("Critical")


class CatchUp(models.TextChoices):
    RUN_ONCE = "run_once", _("Run once for the missed slots")
    SKIP = "skip", _("Skip missed slots")


class Module(models.TextChoices):
    DELIVERIES = "deliveries", _("Deliveries")
    DELIVERABILITY = "deliverability", _("Deliverability")
    INTERACTION = "interaction", _("Interaction")
    MESSAGE_CENTER = "message_center", _("Message Center")
    PLATFORM = "platform", _("Platform")


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Run now")
    COMMAND = "command", _("Command line")
    EVENT = "event", _("Event")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")
    ABANDONED = "abandoned", _("Abandoned")


# Distinct colours per status (queued ≠ running ≠ succeeded ≠ failed ≠ skipped):
# a test checks that every status has one and that no two share it.
RUN_STATUS_COLORS = {
    RunStatus.QUEUED: "#6c757d",  # grey
    RunStatus.RUNNING: "#0d6efd",  # blue
    RunStatus.SUCCEEDED: "#198754",  # green
    RunStatus.FAILED: "#dc3545",  # red
    RunStatus.SKIPPED: "#b58900",  # amber
    RunStatus.ABANDONED: "#6f42c1",  # purple
}

STATE_COLORS = {
    WorkflowState.STARTED: "#198754",
    WorkflowState.PAUSED: "#b58900",
    WorkflowState.STOPPED: "#6c757d",
}


class LogLevel(models.TextChoices):
    INFO = "info", _("Info")
    WARNING = "warning", _("Warning")
    ERROR = "error", _("Error")


class ChangeKind(models.TextChoices):
    STATE = "state", _("State")
    SCHEDULE = "schedule", _("Schedule")
    NOTIFICATION = "notification", _("Notification")
