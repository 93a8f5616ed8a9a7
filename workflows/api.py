"""The engine's public module: what the other apps import from `workflows`.

- declare a workflow: `technical_workflow` (in the app's tasks.py), fail it with a
  readable reason: `WorkflowError`; the function gets a `RunContext`;
- run one: `enqueue` (queue a run, as "Run now" does), `run_by_name` (synchronously);
- read the ledger: `Workflow`, `WorkflowRun`, `last_run`, write to a journal: `journal`;
- email: `build_email` / `send_email` (the platform's one email renderer);
- the plug-in types of `contributions.py` (re-exported from `workflows.plugins`).

Everything else in the package is the engine's own business.
"""

from __future__ import annotations

from datetime import datetime

from .choices import CatchUp, LogLevel, Module, RunStatus, Severity, Trigger, WorkflowState
from .context import RunContext, WorkflowError, one_line
from .crontabs import Cron, next_fires
from .declare import technical_workflow
from .engine import enqueue, run_by_name
from .models import BeatHeartbeat, Workflow, WorkflowLog, WorkflowRun
from .notifications import build as build_email
from .notifications import send as send_email
from .plugins import (
    BatchOperation,
    Contributions,
    Cube,
    CubeDimension,
    CubeMeasure,
    DataClass,
    DeliveryChild,
    EnumerationBinding,
    ExplorerEntry,
    ExplorerFolder,
    GeneratedTable,
    Generation,
    HomeBlock,
    PurgeContext,
    PurgeStep,
    Role,
    RolePermissions,
    Setting,
    SettingKind,
    Urls,
    WorkerQueue,
)
from .registry import WorkflowSpec, all_specs, get_spec, workflow_queues
from .slots import Schedule, current_schedule
from .sync import sync_workflows

__all__ = [
    "BatchOperation",
    "CatchUp",
    "Contributions",
    "Cube",
    "CubeDimension",
    "CubeMeasure",
    "Cron",
    "DataClass",
    "DeliveryChild",
    "EnumerationBinding",
    "ExplorerEntry",
    "ExplorerFolder",
    "GeneratedTable",
    "Generation",
    "HomeBlock",
    "LogLevel",
    "Module",
    "PurgeContext",
    "PurgeStep",
    "Role",
    "RolePermissions",
    "RunContext",
    "RunStatus",
    "Schedule",
    "Setting",
    "SettingKind",
    "Severity",
    "Trigger",
    "Urls",
    "WorkerQueue",
    "Workflow",
    "WorkflowError",
    "WorkflowLog",
    "WorkflowRun",
    "WorkflowSpec",
    "WorkflowState",
    "all_specs",
    "beat_last_seen",
    "build_email",
    "enqueue",
    "get_spec",
    "journal",
    "last_run",
    "next_run_of",
    "one_line",
    "run_by_name",
    "schedule_of",
    "send_email",
    "sync_workflows",
    "technical_workflow",
    "workflow_queues",
]


def journal(name: str, message: str, *, level: str = LogLevel.INFO, at: datetime | None = None) -> bool:
    """Write a line to an installed workflow's journal; False when it has no row."""
    workflow = Workflow.objects.filter(name=name).first()
    if workflow is None:
        return False
    WorkflowLog.objects.write(workflow, message, level=level, at=at)
    return True


def beat_last_seen() -> datetime | None:
    """When a beat process last wrote its heartbeat (None: never)."""
    return BeatHeartbeat.last_seen()


def schedule_of(name: str) -> Schedule | None:
    """A workflow's schedule (crontab, time zone, enabled), or None when it has no row."""
    workflow = Workflow.objects.select_related("periodic_task__crontab").filter(name=name).first()
    return current_schedule(workflow) if workflow is not None else None


def next_run_of(name: str, now: datetime) -> datetime | None:
    """When beat next sends a workflow (None: not installed, disabled or never fires)."""
    schedule = schedule_of(name)
    if schedule is None or not schedule.enabled:
        return None
    upcoming = next_fires(schedule.cron, now, count=1, tz=schedule.tz)
    return upcoming[0] if upcoming else None


def last_run(name: str, status: str | None = None) -> WorkflowRun | None:
    """The latest run of a workflow (of one status if given), by end then creation."""
    runs = WorkflowRun.objects.filter(workflow__name=name)
    if status is not None:
        runs = runs.filter(status=status)
    return runs.order_by("-finished_at", "-created_at", "-id").first()
