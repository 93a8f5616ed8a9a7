"""State changes of a workflow (start, pause, resume, stop) and schedule edits, each
recorded as a change (who, when, from what to what) and in the journal."""

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTasks

from .choices import ChangeKind, LogLevel, WorkflowState
from .crontabs import Cron
from .models import WorkflowChange, WorkflowLog
from .sync import crontab_fields


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
    for key, value in crontab_fields(cron).items():
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
