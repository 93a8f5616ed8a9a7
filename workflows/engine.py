"""The engine: every run of every workflow goes through `execute`.

1. Runs whose worker died are marked abandoned (so they stop holding the workflow).
2. The run is claimed by inserting a `running` row (or by moving a queued row to
   `running`); the database's conditional unique constraints refuse a second active
   run and a second run of one slot, and the loser is recorded as `skipped`.
3. The workflow function runs with a RunContext (now, journal, metrics) while a thread
   writes the run's heartbeat.
4. Success, retry (same row) or failure is written to the ledger and the journal;
   supervisors are told of failures.

Every change of a run's status is one UPDATE conditional on the status it expects
(`_move`): a run the reaper marked abandoned that finishes later stays abandoned (the
journal says how it ended), so it never flips back or takes a slot twice.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback as tb
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import notifications
from .choices import CatchUp, LogLevel, RunStatus, Trigger, WorkflowState
from .context import RunContext, WorkflowError, one_line
from .models import Workflow, WorkflowLog, WorkflowRun
from .registry import WorkflowSpec, get_spec
from .slots import latest_slot

if TYPE_CHECKING:
    from celery import Task

logger = logging.getLogger(__name__)

# With the "skip" catch-up policy a scheduled run starting later than this after its
# slot is a catch-up of a missed slot, and is skipped.
CATCH_UP_TOLERANCE = timedelta(minutes=5)


def worker_identity(task: Task | None = None) -> str:
    hostname = getattr(getattr(task, "request", None), "hostname", None) or socket.gethostname()
    return f"{hostname} pid {os.getpid()}"


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _move(run_id: int, expected: str, **changes: Any) -> bool:
    """Change a run's status (and other fields) only if it still has the `expected`
    status; True when it did."""
    return WorkflowRun.objects.filter(pk=run_id, status=expected).update(**changes) == 1


def reap_abandoned(now: datetime, workflow: Workflow | None = None) -> int:
    """Mark runs whose heartbeat stopped (or that stayed queued too long) abandoned.
    Called by beat's tick and by the engine before a run, never by a page."""
    stale = WorkflowRun.objects.stale(now).select_related("workflow")
    if workflow is not None:
        stale = stale.filter(workflow=workflow)
    reaped = 0
    for run in stale[:100]:  # a handful at most: one active run per workflow
        if run.status == RunStatus.RUNNING:
            reason = (
                f"Abandoned: no heartbeat since {_local(run.heartbeat_at or run.created_at)} "
                "(the worker died or was killed)"
            )
        else:
            reason = f"Abandoned: queued since {_local(run.created_at)} and never picked up by a worker"
        if not _move(run.pk, run.status, status=RunStatus.ABANDONED, finished_at=now, error=reason):
            continue  # it moved on by itself meanwhile
        reaped += 1
        run.status, run.error, run.finished_at = RunStatus.ABANDONED, reason, now
        WorkflowLog.objects.write(run.workflow, reason, run=run, level=LogLevel.ERROR, at=now)
        notifications.notify_failure(run.workflow, run)
    return reaped


def enqueue(
    workflow: Workflow, user: AbstractBaseUser | None = None, trigger: str = Trigger.MANUAL
) -> WorkflowRun:
    """ "Run now": record a queued run and hand it to a worker. Returns the run; a
    duplicate (a run already queued or running) comes back as a skipped run."""
    spec = get_spec(workflow.name)
    if spec is None or spec.task is None:
        raise WorkflowError(f"{workflow.name} is not installed on this platform")
    now = timezone.now()
    user_id = user.pk if user else None
    reap_abandoned(now, workflow)
    run = _claim_new(workflow, trigger, None, user_id, now, RunStatus.QUEUED)
    if run.status == RunStatus.SKIPPED:
        return run
    kwargs = {"trigger": trigger, "run_id": run.pk, "user_id": user_id}
    try:
        spec.task.apply_async(kwargs=kwargs)
    except Exception as exc:  # broker down: the run must not stay queued forever
        reason = f"Could not reach the broker: {exc}".splitlines()[0][:500]
        if _move(run.pk, RunStatus.QUEUED, status=RunStatus.FAILED, finished_at=timezone.now(), error=reason):
            WorkflowLog.objects.write(workflow, reason, run=run, level=LogLevel.ERROR)
        run.refresh_from_db()
    return run


def execute(
    spec: WorkflowSpec,
    *,
    trigger: str = Trigger.SCHEDULE,
    run_id: int | None = None,
    user_id: int | None = None,
    task: Task | None = None,
    slot: str | None = None,
) -> WorkflowRun:
    """Run one workflow through the ledger; returns the WorkflowRun. A scheduled run
    answers `slot` (ISO time, sent by beat) or, without one, the latest fire time of its
    crontab. (Celery's Django fixup recycles the worker's connections around each task.)"""
    now = timezone.now()
    workflow = Workflow.objects.select_related("periodic_task__crontab").get(name=spec.name)
    reap_abandoned(now, workflow)

    if run_id is not None:
        run = _claim_queued(run_id, now, worker_identity(task))
        if run is None:  # someone else took it, or it was abandoned meanwhile
            return WorkflowRun.objects.get(pk=run_id)
    else:
        answered = None
        if trigger == Trigger.SCHEDULE:
            if workflow.state != WorkflowState.STARTED:
                return _skip(workflow, trigger, None, now, f"Skipped: the workflow is {workflow.state}")
            answered = datetime.fromisoformat(slot) if slot else latest_slot(workflow, now)
            if workflow.catch_up == CatchUp.SKIP and answered and now - answered > CATCH_UP_TOLERANCE:
                missed = timezone.localtime(answered).strftime("%Y-%m-%d %H:%M")
                reason = f"Skipped: slot {missed} was missed and the catch-up policy is to skip"
                return _skip(workflow, trigger, None, now, reason)
        run = _claim_new(workflow, trigger, answered, user_id, now, RunStatus.RUNNING, task)
        if run.status == RunStatus.SKIPPED:
            return run
    return _run(spec, workflow, run, now, task)


def _claim_new(
    workflow: Workflow,
    trigger: str,
    slot: datetime | None,
    user_id: int | None,
    now: datetime,
    status: str,
    task: Task | None = None,
) -> WorkflowRun:
    running = status == RunStatus.RUNNING
    try:
        with transaction.atomic():
            return WorkflowRun.objects.create(
                workflow=workflow,
                trigger=trigger,
                slot=slot,
                status=status,
                triggered_by_id=user_id,
                created_at=now,
                started_at=now if running else None,
                heartbeat_at=now if running else None,
                worker=worker_identity(task) if running else "",
            )
    except IntegrityError:
        active = WorkflowRun.objects.filter(workflow=workflow).active().first()
        if active is not None:
            reason = f"Skipped: run #{active.pk} is already {active.status}"
        elif slot is not None:
            reason = f"Skipped: slot {timezone.localtime(slot):%Y-%m-%d %H:%M} has already run"
        else:  # the run that held the workflow ended between our insert and this read
            reason = "Skipped: another run held the workflow"
        return _skip(workflow, trigger, slot, now, reason, user_id)


def _skip(
    workflow: Workflow,
    trigger: str,
    slot: datetime | None,
    now: datetime,
    reason: str,
    user_id: int | None = None,
) -> WorkflowRun:
    run = WorkflowRun.objects.create(
        workflow=workflow,
        trigger=trigger,
        slot=slot,
        status=RunStatus.SKIPPED,
        triggered_by_id=user_id,
        created_at=now,
        finished_at=now,
        error=reason[:500],
    )
    WorkflowLog.objects.write(workflow, reason, run=run)
    return run


def _claim_queued(run_id: int, now: datetime, worker: str) -> WorkflowRun | None:
    claimed = _move(
        run_id,
        RunStatus.QUEUED,
        status=RunStatus.RUNNING,
        started_at=Coalesce("started_at", Value(now)),
        heartbeat_at=now,
        worker=worker,
    )
    return WorkflowRun.objects.get(pk=run_id) if claimed else None


class _Heartbeat(threading.Thread):
    """Writes the run's heartbeat from its own connection while the workflow works."""

    def __init__(self, run_id: int) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{run_id}")
        self.run_id = run_id
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            while not self.finished.wait(settings.WORKFLOW_HEARTBEAT_SECONDS):
                try:
                    WorkflowRun.objects.filter(pk=self.run_id, status=RunStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # a busy database must not kill the heartbeat
                    logger.warning("heartbeat of run %s not written", self.run_id, exc_info=True)
        finally:
            connection.close()

    def stop(self) -> None:
        self.finished.set()


def _run(
    spec: WorkflowSpec, workflow: Workflow, run: WorkflowRun, now: datetime, task: Task | None
) -> WorkflowRun:
    ctx = RunContext(workflow, run, now)
    slot_text = f", slot {timezone.localtime(run.slot):%Y-%m-%d %H:%M}" if run.slot else ""
    attempt = f", attempt {run.attempt}" if run.attempt > 1 else ""
    ctx.log(f"Started ({run.get_trigger_display()}{slot_text}{attempt})")
    heartbeat = _Heartbeat(run.pk)
    heartbeat.start()
    try:
        result = spec.function(ctx)
    except Exception as exc:
        return _failed(spec, workflow, run, ctx, exc, task)
    finally:
        heartbeat.stop()
    metrics = {**ctx.metrics, **(result or {})}
    end = timezone.now()
    seconds = (end - (run.started_at or now)).total_seconds()
    if _move(
        run.pk, RunStatus.RUNNING, status=RunStatus.SUCCEEDED, finished_at=end, metrics=metrics, error=""
    ):
        ctx.log(f"Succeeded in {seconds:.1f} s")
    else:
        _finished_after_all(ctx, f"succeeded in {seconds:.1f} s", metrics)
    run.refresh_from_db()
    return run


def _finished_after_all(ctx: RunContext, how: str, metrics: dict[str, Any]) -> None:
    """The run ended after the reaper had marked it abandoned: it stays abandoned, and
    the journal (and its metrics) say how it ended."""
    current = WorkflowRun.objects.filter(pk=ctx.run.pk).values_list("status", flat=True).first()
    WorkflowRun.objects.filter(pk=ctx.run.pk, status=current).update(metrics=metrics)
    ctx.log(
        f"Finished after all ({how}) after it had been marked {current}: it stays {current}",
        LogLevel.WARNING,
    )


def _failed(
    spec: WorkflowSpec,
    workflow: Workflow,
    run: WorkflowRun,
    ctx: RunContext,
    exc: Exception,
    task: Task | None,
) -> WorkflowRun:
    reason = one_line(exc)
    if (
        task is not None
        and spec.retry_on
        and isinstance(exc, spec.retry_on)
        and run.attempt <= spec.max_retries
    ):
        countdown = spec.retry_backoff * 2 ** (run.attempt - 1)
        if _move(
            run.pk,
            RunStatus.RUNNING,
            status=RunStatus.QUEUED,
            attempt=run.attempt + 1,
            error=reason,
            metrics=ctx.metrics,
        ):
            ctx.warning(f"Attempt {run.attempt} failed: {reason}. Retrying in {countdown} s")
            raise task.retry(
                kwargs={"trigger": run.trigger, "run_id": run.pk, "user_id": run.triggered_by_id},
                countdown=countdown,
                exc=exc,
                max_retries=spec.max_retries,
            )
        _finished_after_all(ctx, f"failed: {reason}", ctx.metrics)
        run.refresh_from_db()
        return run
    logger.exception("workflow %s run %s failed", workflow.name, run.pk)
    if not _move(
        run.pk,
        RunStatus.RUNNING,
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        metrics=ctx.metrics,
        error=reason,
        traceback="".join(tb.format_exception(exc)),
    ):
        _finished_after_all(ctx, f"failed: {reason}", ctx.metrics)
        run.refresh_from_db()
        return run
    ctx.log(f"Failed: {reason}", LogLevel.ERROR)
    run.refresh_from_db()
    notifications.notify_failure(workflow, run)
    return run


def run_by_name(name: str, trigger: str = Trigger.COMMAND) -> WorkflowRun:
    """Run an installed workflow now, synchronously, through the ledger."""
    spec = get_spec(name)
    if spec is None:
        raise WorkflowError(f"{name} is not installed on this platform")
    return execute(spec, trigger=trigger)
