"""Workflow rows and their django-celery-beat schedules: creation (sync), state
changes (start, pause, resume, stop) and schedule edits, each recorded as a change."""

import json

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from campaign.roles import WORKFLOW_SUPERVISORS

from .choices import ChangeKind, LogLevel, Trigger, WorkflowState
from .crontabs import Cron
from .models import Workflow, WorkflowChange, WorkflowLog
from .registry import all_specs

PERIODIC_TASK_PREFIX = "workflow: "


def _crontab_fields(cron):
    return {
        "minute": cron.minute,
        "hour": cron.hour,
        "day_of_month": cron.day_of_month,
        "month_of_year": cron.month_of_year,
        "day_of_week": cron.day_of_week,
    }


@transaction.atomic
def sync_workflows():
    """Create or update every registered workflow's row and its own PeriodicTask and
    CrontabSchedule, without overwriting a schedule an administrator has edited.
    Returns the names of the workflows created."""
    created_names = []
    supervisors = Group.objects.filter(name=WORKFLOW_SUPERVISORS).first()
    registered = set()
    for spec in all_specs():
        registered.add(spec.name)
        workflow, created = Workflow.objects.get_or_create(
            name=spec.name,
            defaults={
                "label": str(spec.label),
                "module": spec.module,
                "description": str(spec.description),
                "severity": spec.severity,
                "catch_up": spec.catch_up,
                "default_crontab": spec.crontab,
                "supervisors": supervisors,
            },
        )
        if created:
            created_names.append(spec.name)
        workflow.label = str(spec.label)
        workflow.module = spec.module
        workflow.description = str(spec.description)
        task = workflow.periodic_task
        new_task = task is None
        if new_task:
            schedule = CrontabSchedule.objects.create(
                timezone=settings.TIME_ZONE, **_crontab_fields(spec.cron)
            )
            task, _ = PeriodicTask.objects.update_or_create(
                name=PERIODIC_TASK_PREFIX + spec.name,
                defaults={"crontab": schedule, "interval": None, "solar": None, "clocked": None},
            )
            workflow.periodic_task = task
        elif str(Cron.from_schedule(task.crontab)) == workflow.default_crontab:
            # Not edited: follow the code's default (which may have changed).
            schedule = task.crontab
            for key, value in _crontab_fields(spec.cron).items():
                setattr(schedule, key, value)
            schedule.save()
        task.task = spec.task_name
        task.kwargs = json.dumps({"trigger": Trigger.SCHEDULE})
        task.queue = spec.queue
        task.description = str(spec.label)
        if new_task:
            task.enabled = workflow.state == WorkflowState.STARTED
        elif workflow.state != WorkflowState.STARTED:
            task.enabled = False
        task.save()
        workflow.default_crontab = spec.crontab
        workflow.save()
    # A workflow whose app is no longer installed must not be sent by beat.
    PeriodicTask.objects.filter(workflow__isnull=False).exclude(workflow__name__in=registered).update(
        enabled=False
    )
    PeriodicTasks.update_changed()
    return created_names


def record_change(workflow, kind, before, after, user, now, message, level=LogLevel.INFO):
    """Who changed what from what to what, in the change history and in the journal."""
    WorkflowChange.objects.create(
        workflow=workflow, kind=kind, before=before, after=after, changed_by=user, changed_at=now
    )
    WorkflowLog.objects.write(workflow, message, level=level, at=now)


@transaction.atomic
def set_state(workflow, state, user=None, now=None, reason=""):
    """Start, pause or stop a workflow; its periodic task is enabled only when started."""
    now = now or timezone.now()
    before = workflow.state
    if before == state:
        return False
    workflow.state = state
    workflow.modified_by = user
    workflow.paused_at = now if state == WorkflowState.PAUSED else None
    workflow.pause_notifications = 0
    workflow.last_pause_notification_at = None
    workflow.save()
    if workflow.periodic_task is not None:
        workflow.periodic_task.enabled = state == WorkflowState.STARTED
        workflow.periodic_task.save(update_fields=["enabled"])
    who = user.get_username() if user else "system"
    message = f"State {before} → {state} by {who}" + (f": {reason}" if reason else "")
    record_change(workflow, ChangeKind.STATE, before, state, user, now, message)
    return True


def describe_schedule(task):
    return f"{Cron.from_schedule(task.crontab)} ({'enabled' if task.enabled else 'disabled'})"


@transaction.atomic
def change_schedule(workflow, cron, enabled, user, now=None):
    """Edit the workflow's own crontab and enabled flag; returns True if anything changed."""
    now = now or timezone.now()
    task = workflow.periodic_task
    before = describe_schedule(task)
    schedule = task.crontab
    for key, value in _crontab_fields(cron).items():
        setattr(schedule, key, value)
    schedule.save()
    task.enabled = enabled
    task.save(update_fields=["enabled"])
    PeriodicTasks.update_changed()
    after = describe_schedule(task)
    if before == after:
        return False
    workflow.modified_by = user
    workflow.save(update_fields=["modified_by", "updated_at"])
    who = user.get_username() if user else "system"
    record_change(
        workflow, ChangeKind.SCHEDULE, before, after, user, now, f"Schedule {before} → {after} by {who}"
    )
    return True
