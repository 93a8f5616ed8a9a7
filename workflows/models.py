"""The run ledger of the technical workflows.

`Workflow` is one row per registered workflow (created by `sync_workflows`), linked to
its own django-celery-beat PeriodicTask. `WorkflowRun` is one row per run whatever
triggered it; two conditional unique constraints make the database itself refuse a
second active run and a second run of one scheduled slot. `WorkflowLog` is the journal.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    CatchUp,
    ChangeKind,
    LogLevel,
    Module,
    RunStatus,
    Severity,
    Trigger,
    WorkflowState,
)

ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING)
SLOT_HOLDING_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.SUCCEEDED)


class WorkflowQuerySet(models.QuerySet["Workflow"]):
    def paused_since_before(self, moment: datetime) -> WorkflowQuerySet:
        return self.filter(state=WorkflowState.PAUSED, paused_at__lt=moment)


class Workflow(models.Model):
    """A technical workflow: its state, properties, and default schedule."""

    name = models.CharField(_("internal name"), max_length=100, unique=True)
    label = models.CharField(_("label"), max_length=200)
    module = models.CharField(_("module"), max_length=30, choices=Module)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=WorkflowState, default=WorkflowState.STARTED)
    severity = models.CharField(_("severity"), max_length=20, choices=Severity, default=Severity.NORMAL)
    catch_up = models.CharField(
        _("catch-up policy"), max_length=20, choices=CatchUp, default=CatchUp.RUN_ONCE
    )
    supervisors = models.ForeignKey(
        Group,
        verbose_name=_("supervisors"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history_days = models.PositiveIntegerField(
        _("history in days"), default=30, help_text=_("0 keeps the history forever.")
    )
    # The crontab the code declares ("m h dom mon dow"); a schedule that differs from it
    # was edited by an administrator and is never overwritten by sync_workflows.
    default_crontab = models.CharField(_("default schedule"), max_length=200)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask",
        verbose_name=_("periodic task"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workflow",
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_notifications = models.PositiveIntegerField(_("pause notifications sent"), default=0)
    last_pause_notification_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WorkflowQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("technical workflow")
        verbose_name_plural = _("technical workflows")
        permissions = [
            ("operate_workflow", _("Can run, pause, resume and stop workflows")),
            ("edit_schedule", _("Can edit workflow schedules")),
        ]

    def __str__(self) -> str:
        return self.name


class WorkflowRunQuerySet(models.QuerySet["WorkflowRun"]):
    def active(self) -> WorkflowRunQuerySet:
        return self.filter(status__in=ACTIVE_STATUSES)

    def stale(self, now: datetime) -> WorkflowRunQuerySet:
        """Runs whose worker stopped answering: no heartbeat, or queued too long."""
        heartbeat_limit = now - timedelta(seconds=settings.WORKFLOW_HEARTBEAT_TIMEOUT)
        queued_limit = now - timedelta(seconds=settings.WORKFLOW_QUEUED_TIMEOUT)
        return self.filter(
            Q(status=RunStatus.RUNNING, heartbeat_at__lt=heartbeat_limit)
            | Q(status=RunStatus.QUEUED, created_at__lt=queued_limit)
        )

    def finished(self) -> WorkflowRunQuerySet:
        return self.filter(finished_at__isnull=False)


class WorkflowRun(models.Model):
    """One run of a workflow: the ledger that enforces exactly-once execution."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger)
    # The crontab fire time a scheduled run answers; null for manual runs.
    slot = models.DateTimeField(_("scheduled slot"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RunStatus)
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(_("start"), null=True, blank=True)
    finished_at = models.DateTimeField(_("end"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=200, blank=True)
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    traceback = models.TextField(_("traceback"), blank=True)

    objects = WorkflowRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("workflow run")
        verbose_name_plural = _("workflow runs")
        constraints = [
            # At most one queued or running run per workflow.
            models.UniqueConstraint(
                fields=["workflow"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="workflows_run_one_active",
            ),
            # At most one queued, running or succeeded run per scheduled slot; a failed or
            # abandoned slot may be run again.
            models.UniqueConstraint(
                fields=["workflow", "slot"],
                condition=Q(status__in=SLOT_HOLDING_STATUSES, slot__isnull=False),
                name="workflows_run_one_per_slot",
            ),
        ]
        indexes = [
            # Technical workflows screen and run history: a workflow's latest runs.
            models.Index(fields=["workflow", "-created_at"], name="workflows_run_recent"),
            # The reaper looks for running runs with an old heartbeat.
            models.Index(
                fields=["heartbeat_at"],
                name="workflows_run_running",
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workflow.name} #{self.pk} {self.status}"

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class WorkflowLogQuerySet(models.QuerySet["WorkflowLog"]):
    def write(
        self,
        workflow: Workflow,
        message: str,
        *,
        run: WorkflowRun | None = None,
        level: str = LogLevel.INFO,
        at: datetime | None = None,
    ) -> WorkflowLog:
        """Add one journal line (the only way lines are written)."""
        return self.create(
            workflow=workflow, run=run, created_at=at or timezone.now(), level=level, message=message
        )


class WorkflowLog(models.Model):
    """A journal line, written as the workflow goes."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="journal")
    run = models.ForeignKey(
        WorkflowRun, null=True, blank=True, on_delete=models.CASCADE, related_name="journal"
    )
    created_at = models.DateTimeField(_("time"))
    level = models.CharField(_("level"), max_length=10, choices=LogLevel, default=LogLevel.INFO)
    message = models.TextField(_("message"))

    objects = WorkflowLogQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal")
        indexes = [
            # cleanup purges each workflow's journal past its history in days.
            models.Index(fields=["workflow", "created_at"], name="workflows_log_history"),
        ]

    def __str__(self) -> str:
        return self.message[:80]


class WorkflowChange(models.Model):
    """Who changed what on a workflow, from what to what (state, schedule)."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind)
    before = models.CharField(_("before"), max_length=300, blank=True)
    after = models.CharField(_("after"), max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(_("time"))

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("workflow change")
        verbose_name_plural = _("workflow changes")

    def __str__(self) -> str:
        return f"{self.workflow.name}: {self.before} → {self.after}"


class BeatHeartbeat(models.Model):
    """The last time a beat process was seen alive (one row per beat host and pid)."""

    identity = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]
        verbose_name = _("beat heartbeat")
        verbose_name_plural = _("beat heartbeats")

    def __str__(self) -> str:
        return f"{self.identity} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def last_seen(cls) -> datetime | None:
        last: datetime | None = cls.objects.aggregate(last=models.Max("seen_at"))["last"]
        return last
