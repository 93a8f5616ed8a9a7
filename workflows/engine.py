"""The engine: every run of every workflow goes through `execute`.

1. Runs whose worker died are marked abandoned (so they stop holding the workflow).
2. The run is claimed by inserting a `running` row (or by moving a queued row to
   `running`); the database's conditional unique constraints refuse a second active
   run and a second run of one slot, and the loser is recorded as `skipped`.
3. The workflow function runs with a RunContext (now, journal, metrics) while a thread
   writes the run's heartbeat.
4. Success, retry (same row) or failure is written to the ledger and the journal;
   supervisors are told of failures.
"""

import logging
import os
import socket
import threading
import traceback as tb
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import notifications
from .choices import CatchUp, LogLevel, RunStatus, Trigger, WorkflowState
from .crontabs import Cron, previous_fire
from .models import Workflow, WorkflowLog, WorkflowRun

logger = logging.getLogger(__name__)

# With the "skip" catch-up policy a scheduled run starting later than this after its
# slot is a catch-up of a missed slot, and is skipped.
CATCH_UP_TOLERANCE = timedelta(minutes=5)


class WorkflowError(Exception):
    """A failure whose message is already a readable one-line reason."""


class RunContext:
    """What a workflow function receives: the run's `now`, its journal and metrics."""

    def __init__(self, workflow, run, now):
        self.workflow = workflow
        self.run = run
        self.now = now
        self.metrics = {}

    def log(self, message, level=LogLevel.INFO):
        line = WorkflowLog.objects.write(self.workflow, message, run=self.run, level=level)
        WorkflowRun.objects.filter(pk=self.run.pk).update(heartbeat_at=line.created_at)

    def warning(self, message):
        self.log(message, LogLevel.WARNING)

    def count(self, key, amount=1):
        self.metrics[key] = self.metrics.get(key, 0) + amount


def worker_identity(task=None):
    hostname = getattr(getattr(task, "request", None), "hostname", None) or socket.gethostname()
    return f"{hostname} pid {os.getpid()}"


def schedule_of(workflow):
    """(Cron, time zone name, enabled) of the workflow's own PeriodicTask, or its default."""
    task = workflow.periodic_task
    if task is not None and task.crontab_id:
        return Cron.from_schedule(task.crontab), str(task.crontab.timezone), task.enabled
    return Cron.parse(workflow.default_crontab), settings.TIME_ZONE, False


def schedule_slot(periodic_task, now):
    """The latest fire time, at or before `now`, of a periodic task's own crontab (in
    its time zone); None for a task without a crontab."""
    schedule = periodic_task.crontab if periodic_task is not None else None
    if schedule is None:
        return None
    return previous_fire(Cron.from_schedule(schedule), now, tz=str(schedule.timezone))


def slot_for(workflow, now):
    """The crontab fire time a scheduled run started at `now` answers (the default
    crontab if the workflow has no schedule of its own)."""
    cron, tz, _enabled = schedule_of(workflow)
    return previous_fire(cron, now, tz=tz)


def reap_abandoned(now, workflow=None):
    """Mark runs whose heartbeat stopped (or that stayed queued too long) abandoned."""
    stale = WorkflowRun.objects.stale(now).select_related("workflow")
    if workflow is not None:
        stale = stale.filter(workflow=workflow)
    reaped = 0
    for run in stale[:100]:  # a handful at most: one active run per workflow
        was = run.status
        if was == RunStatus.RUNNING:
            reason = "Abandoned: no heartbeat since {} (the worker died or was killed)".format(
                timezone.localtime(run.heartbeat_at).strftime("%Y-%m-%d %H:%M:%S")
            )
        else:
            reason = "Abandoned: queued since {} and never picked up by a worker".format(
                timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M:%S")
            )
        if not WorkflowRun.objects.filter(pk=run.pk, status=was).update(
            status=RunStatus.ABANDONED, finished_at=now, error=reason
        ):
            continue  # it moved on by itself meanwhile
        reaped += 1
        run.status, run.error, run.finished_at = RunStatus.ABANDONED, reason, now
        WorkflowLog.objects.write(run.workflow, reason, run=run, level=LogLevel.ERROR, at=now)
        notifications.notify_failure(run.workflow, run)
    return reaped


def enqueue(workflow, user=None, trigger=Trigger.MANUAL):
    """ "Run now": record a queued run and hand it to a worker. Returns the run; a
    duplicate (a run already queued or running) comes back as a skipped run."""
    spec = workflow.spec
    if spec is None:
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
        WorkflowRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=reason
        )
        WorkflowLog.objects.write(workflow, reason, run=run, level=LogLevel.ERROR)
        run.refresh_from_db()
    return run


def execute(spec, *, trigger=Trigger.SCHEDULE, run_id=None, user_id=None, task=None, slot=None):
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
        sent_slot, slot = slot, None
        if trigger == Trigger.SCHEDULE:
            if workflow.state != WorkflowState.STARTED:
                return _skip(workflow, trigger, None, now, f"Skipped: the workflow is {workflow.state}")
            slot = datetime.fromisoformat(sent_slot) if sent_slot else slot_for(workflow, now)
            if workflow.catch_up == CatchUp.SKIP and slot and now - slot > CATCH_UP_TOLERANCE:
                return _skip(
                    workflow,
                    trigger,
                    None,
                    now,
                    "Skipped: slot {} was missed and the catch-up policy is to skip".format(
                        timezone.localtime(slot).strftime("%Y-%m-%d %H:%M")
                    ),
                )
        run = _claim_new(workflow, trigger, slot, user_id, now, RunStatus.RUNNING, task)
        if run.status == RunStatus.SKIPPED:
            return run
    return _run(spec, workflow, run, now, task)


def _claim_new(workflow, trigger, slot, user_id, now, status, task=None):
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


def _skip(workflow, trigger, slot, now, reason, user_id=None):
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


def _claim_queued(run_id, now, worker):
    claimed = WorkflowRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING,
        started_at=Coalesce("started_at", Value(now)),
        heartbeat_at=now,
        worker=worker,
    )
    return WorkflowRun.objects.get(pk=run_id) if claimed else None


class _Heartbeat(threading.Thread):
    """Writes the run's heartbeat from its own connection while the workflow works."""

    def __init__(self, run_id):
        super().__init__(daemon=True, name=f"heartbeat-{run_id}")
        self.run_id = run_id
        self.finished = threading.Event()

    def run(self):
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

    def stop(self):
        self.finished.set()


def _run(spec, workflow, run, now, task):
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
    WorkflowRun.objects.filter(pk=run.pk).update(
        status=RunStatus.SUCCEEDED, finished_at=end, metrics=metrics, error=""
    )
    ctx.log(f"Succeeded in {(end - run.started_at).total_seconds():.1f} s")
    run.refresh_from_db()
    return run


def one_line(exc):
    if isinstance(exc, WorkflowError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return (text.strip().splitlines() or [type(exc).__name__])[0][:480]


def _failed(spec, workflow, run, ctx, exc, task):
    reason = one_line(exc)
    if (
        task is not None
        and spec.retry_on
        and isinstance(exc, spec.retry_on)
        and run.attempt <= spec.max_retries
    ):
        countdown = spec.retry_backoff * 2 ** (run.attempt - 1)
        WorkflowRun.objects.filter(pk=run.pk).update(
            status=RunStatus.QUEUED, attempt=run.attempt + 1, error=reason, metrics=ctx.metrics
        )
        ctx.warning(f"Attempt {run.attempt} failed: {reason}. Retrying in {countdown} s")
        raise task.retry(
            kwargs={"trigger": run.trigger, "run_id": run.pk, "user_id": run.triggered_by_id},
            countdown=countdown,
            exc=exc,
            max_retries=spec.max_retries,
        )
    logger.exception("workflow %s run %s failed", workflow.name, run.pk)
    WorkflowRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        metrics=ctx.metrics,
        error=reason,
        traceback="".join(tb.format_exception(exc)),
    )
    ctx.log(f"Failed: {reason}", LogLevel.ERROR)
    run.refresh_from_db()
    notifications.notify_failure(workflow, run)
    return run
