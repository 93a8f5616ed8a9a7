"""A cleanup killed in the middle of a large step (a real worker, SIGKILL), then rerun,
ends in the same state as a clean run on the same data."""

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.utils import timezone

from campaign.devtools import datagen
from campaign.models import (
    Delivery,
    DeliveryLog,
    Event,
    PurgeSettings,
    Quarantine,
    TrackingHit,
    TrackingUrl,
)
from offers.models import Proposition
from tests.live import purge_queues, wait_until, worker
from workflows.choices import RunStatus, Trigger
from workflows.engine import execute
from workflows.models import WorkflowLog, WorkflowRun
from workflows.registry import get_spec

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

# A queue of its own, so that no other worker of the test session takes the run.
QUEUE = "cleanup-kill"
COUNTS = {
    "recipients": 3_000,
    "deliveries": 60,
    "delivery_logs": 120_000,
    "tracking_urls": 200,
    "tracking_hits": 20_000,
    "event_types": 3,
    "events": 3_000,
    "categories": 3,
    "offer_spaces": 2,
    "offers": 6,
    "propositions": 5_000,
    "quarantine": 500,
}
SEED = 5
BATCH_SIZE = 100  # the smallest allowed: many short transactions, a run of seconds


def load(data_now):
    datagen.generate(COUNTS, seed=SEED, now=data_now, truncate=True)
    Session.objects.all().delete()
    settings = PurgeSettings.load()
    settings.batch_size = BATCH_SIZE
    settings.save()


def state():
    """What cleanup decides: the rows left in every table it purges, and their statuses."""
    return {
        "deliveries": sorted(Delivery.objects.values_list("pk", "state")),
        "logs": sorted(DeliveryLog.objects.values_list("pk", "status")),
        "hits": sorted(TrackingHit.objects.values_list("pk", flat=True)),
        "urls": sorted(TrackingUrl.objects.values_list("pk", flat=True)),
        "propositions": sorted(Proposition.objects.values_list("pk", flat=True)),
        "events": sorted(Event.objects.values_list("pk", flat=True)),
        "quarantine": sorted(Quarantine.objects.values_list("pk", "status", "error_count")),
    }


def test_a_killed_run_then_a_rerun_ends_like_a_clean_run(tmp_path, settings):
    data_now = timezone.now().replace(microsecond=0)
    load(data_now)
    logs_before = DeliveryLog.objects.count()
    purge_queues([QUEUE])
    child = worker("cleanup-kill", tmp_path, queues=(QUEUE,), concurrency=1)
    try:
        get_spec("cleanup").task.apply_async(kwargs={"trigger": Trigger.MANUAL}, queue=QUEUE)
        killed = wait_until(
            lambda: WorkflowRun.objects.filter(workflow__name="cleanup", status=RunStatus.RUNNING).first(),
            60,
            "the worker never started the cleanup",
            interval=0.05,
            children=[child],
        )

        seen = {}

        def inside_delivery_logs_step():
            # Step 4 is journaled when it ends: the delivery logs step (5) has begun. Kill
            # once that step has itself deleted a few batches.
            journal = WorkflowLog.objects.filter(run=killed)
            if not journal.filter(message__contains="Consolidated raw tracking hits").exists():
                return False
            remaining = DeliveryLog.objects.count()
            seen.setdefault("at_step_start", remaining)
            return remaining < seen["at_step_start"] - 5 * BATCH_SIZE

        wait_until(inside_delivery_logs_step, 120, "the run never reached the delivery logs", 0.02, [child])
        child.kill()
    finally:
        child.stop()
    logs_at_kill = DeliveryLog.objects.count()
    killed.refresh_from_db()
    assert killed.status == RunStatus.RUNNING  # as the dead worker left it
    assert not WorkflowLog.objects.filter(run=killed, message__contains="Delivery logs:").exists()

    # The rerun: the dead run is reaped as abandoned, the new one finishes the job.
    settings.WORKFLOW_HEARTBEAT_TIMEOUT = 1
    wait_until(
        lambda: WorkflowRun.objects.stale(timezone.now()).filter(pk=killed.pk).exists(),
        10,
        "the killed run never went stale",
    )
    rerun = execute(get_spec("cleanup"), trigger=Trigger.MANUAL)
    assert rerun.status == RunStatus.SUCCEEDED, rerun.error
    killed.refresh_from_db()
    assert killed.status == RunStatus.ABANDONED
    after_kill_and_rerun = state()
    assert len(after_kill_and_rerun["logs"]) < logs_at_kill  # the kill came mid-step

    # A clean run on the same data at the rerun's moment.
    load(data_now)
    assert DeliveryLog.objects.count() == logs_before
    with time_machine.travel(rerun.started_at, tick=False):
        clean = execute(get_spec("cleanup"), trigger=Trigger.MANUAL)
    assert clean.status == RunStatus.SUCCEEDED, clean.error
    assert state() == after_kill_and_rerun
    assert clean.metrics["delivery_logs_rows"] > rerun.metrics["delivery_logs_rows"] > 0
