"""Supervision of the technical workflows: what the Technical workflows screen shows.

Plain functions that take `now` (so tests travel in time): beat liveness, the
"late" state (a due slot with no run for it), "paused too long", duration trends,
and one summary row per installed workflow. Queries are per screen, not per row:
the latest run of every workflow comes from one query, the runs of the due slots
from another.
"""

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, OuterRef, Q, Subquery
from django.utils import timezone

from .choices import ChangeKind, RunStatus, Severity, WorkflowState
from .crontabs import describe, next_fires
from .models import BeatHeartbeat, Workflow, WorkflowChange, WorkflowRun
from .registry import all_specs, get_spec
from .slots import current_schedule, latest_slot

# Warnings get colours of their own, distinct from every run status (a test checks it).
WARNING_COLORS = {
    "late": "#d9480f",  # deep orange
    "paused_too_long": "#a61e4d",  # crimson
    "beat_dead": "#c92a2a",  # red banner
}

# A run this many times slower than the median of its workflow's recent runs is flagged.
SLOW_FACTOR = 3


@dataclass
class BeatStatus:
    alive: bool
    last_seen: datetime | None
    age: timedelta | None

    @property
    def state(self):
        return "alive" if self.alive else "dead"


def beat_status(now):
    """Beat is alive when its heartbeat is at most BEAT_STALE_SECONDS old."""
    last = BeatHeartbeat.last_seen()
    if last is None:
        return BeatStatus(alive=False, last_seen=None, age=None)
    age = now - last
    return BeatStatus(alive=age <= timedelta(seconds=settings.BEAT_STALE_SECONDS), last_seen=last, age=age)


def active_since(workflow, last_change_at=None):
    """Since when the current schedule and state apply: slots before it cannot be late."""
    moments = [workflow.created_at]
    if last_change_at is not None:
        moments.append(last_change_at)
    return max(moments)


def due_slot(workflow, now, last_change_at=None):
    """The latest slot due more than the grace period ago, for a started workflow with
    an enabled schedule; None when nothing is due. The slot is the engine's own
    (slots.latest_slot), so a run recorded for it clears the warning."""
    if workflow.state != WorkflowState.STARTED or not current_schedule(workflow).enabled:
        return None
    grace = timedelta(minutes=settings.WORKFLOW_LATE_GRACE_MINUTES)
    try:
        slot = latest_slot(workflow, now - grace)
    except ValueError:
        return None
    if slot is None or slot < active_since(workflow, last_change_at):
        return None
    return slot


def late_slot(workflow, now):
    """The due slot of one workflow that has no run at all (of any status), or None."""
    slot = due_slot(workflow, now, last_changes([workflow]).get(workflow.pk))
    if slot is None or WorkflowRun.objects.filter(workflow=workflow, slot=slot).exists():
        return None
    return slot


def paused_days(workflow, now):
    """Days a workflow of normal severity has been paused past the watchdog period."""
    if workflow.state != WorkflowState.PAUSED or workflow.severity != Severity.NORMAL:
        return None
    if workflow.paused_at is None:
        return None
    if now - workflow.paused_at <= timedelta(days=settings.PAUSED_WORKFLOW_PERIOD_DAYS):
        return None
    return (now - workflow.paused_at).days


def not_responding(run, now):
    """A running run whose heartbeat is older than the timeout: shown as not responding
    until beat's tick or the engine reaps it (a page never writes)."""
    if run is None or run.status != RunStatus.RUNNING:
        return False
    heartbeat = run.heartbeat_at or run.started_at or run.created_at
    return now - heartbeat > timedelta(seconds=settings.WORKFLOW_HEARTBEAT_TIMEOUT)


def percentile(values, fraction):
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class DurationTrend:
    count: int = 0
    median: timedelta | None = None
    p95: timedelta | None = None
    last: timedelta | None = None
    slow: bool = False


def duration_trend(runs):
    """Median and p95 of succeeded runs' durations (newest first), and whether the
    newest one took more than SLOW_FACTOR times the median of the others."""
    durations = [run.duration for run in runs if run.status == RunStatus.SUCCEEDED and run.duration]
    if not durations:
        return DurationTrend()
    seconds = [d.total_seconds() for d in durations]
    trend = DurationTrend(
        count=len(seconds),
        median=timedelta(seconds=statistics.median(seconds)),
        p95=timedelta(seconds=percentile(seconds, 0.95)),
        last=durations[0],
    )
    earlier = seconds[1:]
    if len(earlier) >= 3:
        baseline = statistics.median(earlier)
        trend.slow = baseline > 0 and seconds[0] > SLOW_FACTOR * baseline
    return trend


@dataclass
class WorkflowRow:
    """One line of the Technical workflows screen."""

    workflow: Workflow
    schedule_text: str
    cron: str
    tz: str
    enabled: bool
    next_fire: datetime | None
    last_run: WorkflowRun | None
    late_slot: datetime | None = None
    paused_days: int | None = None
    not_responding: bool = False

    @property
    def label(self):
        return display_label(self.workflow)

    @property
    def bold(self):
        return self.workflow.severity in (Severity.PRODUCTION, Severity.CRITICAL)


def display_label(workflow):
    """The label in the active language: the registry's lazy label (the row keeps the
    English text it was synced with)."""
    spec = get_spec(workflow.name)
    return spec.label if spec is not None else workflow.label


def display_description(workflow):
    spec = get_spec(workflow.name)
    return spec.description if spec is not None and spec.description else workflow.description


def installed_workflows():
    """Workflow rows of the workflows registered on this platform (installed apps)."""
    names = [spec.name for spec in all_specs()]
    return Workflow.objects.filter(name__in=names).select_related("periodic_task__crontab")


def _last_runs(workflows):
    """The latest run of each workflow, in one query (index workflows_run_recent)."""
    latest = WorkflowRun.objects.filter(workflow=OuterRef("pk")).order_by("-created_at", "-id")
    last_ids = Workflow.objects.filter(pk__in=[w.pk for w in workflows]).values(
        last=Subquery(latest.values("pk")[:1])
    )
    return {run.workflow_id: run for run in WorkflowRun.objects.filter(pk__in=last_ids)}


def last_changes(workflows):
    """When each workflow's state or schedule last changed (restarts the late clock)."""
    rows = (
        WorkflowChange.objects.filter(
            workflow__in=[w.pk for w in workflows], kind__in=[ChangeKind.STATE, ChangeKind.SCHEDULE]
        )
        .values("workflow_id")
        .annotate(last=Max("changed_at"))
    )
    return {row["workflow_id"]: row["last"] for row in rows}


def _slots_with_runs(due):
    """Of the (workflow id, slot) pairs in `due`, those that have a run, in one query."""
    if not due:
        return set()
    condition = Q()
    for workflow_id, slot in due.items():
        condition |= Q(workflow_id=workflow_id, slot=slot)
    return set(WorkflowRun.objects.filter(condition).values_list("workflow_id", "slot"))


def workflow_rows(now, language="en"):
    """The rows of the Technical workflows screen, in registry order."""
    workflows = list(installed_workflows())
    last_runs = _last_runs(workflows)
    changed = last_changes(workflows)
    due = {}
    for workflow in workflows:
        slot = due_slot(workflow, now, changed.get(workflow.pk))
        if slot is not None:
            due[workflow.pk] = slot
    answered = _slots_with_runs(due)

    rows = []
    for workflow in workflows:
        schedule = current_schedule(workflow)
        cron, tz, enabled = schedule.cron, schedule.tz, schedule.enabled
        try:
            upcoming = next_fires(cron, now, count=1, tz=tz) if enabled else []
        except ValueError:
            upcoming = []
        row = WorkflowRow(
            workflow=workflow,
            schedule_text=describe(cron, language),
            cron=str(cron),
            tz=tz,
            enabled=enabled,
            next_fire=upcoming[0] if upcoming else None,
            last_run=last_runs.get(workflow.pk),
            paused_days=paused_days(workflow, now),
        )
        row.not_responding = not_responding(row.last_run, now)
        slot = due.get(workflow.pk)
        if slot is not None and (workflow.pk, slot) not in answered:
            row.late_slot = slot
        rows.append(row)
    return rows


def next_fire_times(cron, tz, now, count=5):
    """The next `count` fire times as (UTC moment, local moment in TIME_ZONE)."""
    return [(moment, timezone.localtime(moment)) for moment in next_fires(cron, now, count=count, tz=tz)]
