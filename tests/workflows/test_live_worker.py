"""Process-level guarantees with a real prefork worker on the real broker: one run of a
workflow at a time, and a run whose worker is SIGKILLed ends abandoned, not running."""

import pytest
from django.utils import timezone

from tests import live
from workflows.choices import LogLevel, RunStatus, Trigger
from workflows.models import WorkflowLog, WorkflowRun
from workflows.registry import get_spec

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def runs_of(name):
    return WorkflowRun.objects.filter(workflow__name=name).order_by("id")


def statuses(name):
    return sorted(runs_of(name).values_list("status", flat=True))


def test_two_triggers_while_the_first_run_is_held_give_one_run_and_one_skip(live_worker, barrier):
    barrier.close()
    task = get_spec("testBarrier").task
    # Sent together, so that both pool processes of the worker race for the workflow.
    task.apply_async(kwargs={"trigger": Trigger.MANUAL})
    task.apply_async(kwargs={"trigger": Trigger.MANUAL})

    live.wait_until(
        lambda: statuses("testBarrier") == [RunStatus.RUNNING, RunStatus.SKIPPED],
        30,
        "expected one running and one skipped run",
        children=[live_worker],
    )
    held = runs_of("testBarrier").get(status=RunStatus.RUNNING)
    skipped = runs_of("testBarrier").get(status=RunStatus.SKIPPED)
    assert skipped.error == f"Skipped: run #{held.pk} is already running"
    assert skipped.finished_at is not None
    assert WorkflowLog.objects.filter(run=skipped, message=skipped.error).exists()
    assert held.worker.startswith("live-worker@")

    barrier.open()
    live.wait_until(
        lambda: WorkflowRun.objects.get(pk=held.pk).status == RunStatus.SUCCEEDED,
        30,
        "the held run did not finish after the barrier was released",
        children=[live_worker],
    )
    held.refresh_from_db()
    assert held.metrics["released"] == 1
    assert held.finished_at > skipped.finished_at
    assert statuses("testBarrier") == [RunStatus.SKIPPED, RunStatus.SUCCEEDED]


def test_a_worker_killed_mid_run_leaves_the_run_abandoned(live_worker, barrier, live_dir):
    barrier.close()
    victim = live.worker(
        "victim", live_dir, queues=[live.VICTIM_QUEUE], concurrency=1, TEST_BARRIER_FILE=barrier.path
    )
    try:
        get_spec("testBarrier").task.apply_async(kwargs={"trigger": Trigger.MANUAL}, queue=live.VICTIM_QUEUE)
        run = live.wait_until(
            lambda: runs_of("testBarrier").filter(status=RunStatus.RUNNING).first(),
            30,
            "the victim worker never started the run",
            children=[victim],
        )
        assert run.worker.startswith("victim@")
        victim.kill()  # SIGKILL to the prefork parent and its pool process at once
    finally:
        victim.stop()
    barrier.open()

    # Nobody finishes the run: it stays running until its heartbeat is older than the timeout.
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    live.wait_until(
        lambda: (
            (timezone.now() - WorkflowRun.objects.get(pk=run.pk).heartbeat_at).total_seconds()
            > live.WORKFLOW_HEARTBEAT_TIMEOUT + 1
        ),
        live.WORKFLOW_HEARTBEAT_TIMEOUT + 10,
        "the killed run's heartbeat kept moving",
    )

    # The next run of the workflow (on the healthy worker) reaps it before it starts.
    get_spec("testBarrier").task.apply_async(kwargs={"trigger": Trigger.MANUAL})
    live.wait_until(
        lambda: runs_of("testBarrier").filter(status=RunStatus.SUCCEEDED).exists(),
        30,
        "the next run did not succeed",
        children=[live_worker],
    )
    run.refresh_from_db()
    assert run.status == RunStatus.ABANDONED
    assert run.error.startswith("Abandoned: no heartbeat since")
    assert run.finished_at is not None
    assert WorkflowLog.objects.filter(run=run, level=LogLevel.ERROR, message=run.error).exists()
    assert statuses("testBarrier") == [RunStatus.ABANDONED, RunStatus.SUCCEEDED]


def test_an_automatic_retry_reuses_the_run_row(live_worker):
    from django.contrib.auth import get_user_model

    from workflows.engine import enqueue
    from workflows.models import Workflow

    user = get_user_model().objects.create_user("ops", is_staff=True)
    queued = enqueue(Workflow.objects.get(name="testFlaky"), user)
    assert queued.status == RunStatus.QUEUED
    live.wait_until(
        lambda: WorkflowRun.objects.get(pk=queued.pk).status == RunStatus.SUCCEEDED,
        30,
        "the retried run did not succeed",
        children=[live_worker],
    )
    run = WorkflowRun.objects.get(pk=queued.pk)
    assert runs_of("testFlaky").count() == 1
    assert run.attempt == 2 and run.metrics["attempt"] == 2
    assert run.trigger == Trigger.MANUAL and run.triggered_by == user
    journal = list(WorkflowLog.objects.filter(run=run).values_list("message", flat=True))
    assert any(
        "Attempt 1 failed: ConnectionError: the remote end is not there yet. Retrying in 1 s" in line
        for line in journal
    ), journal
    assert journal[-1].startswith("Succeeded in")


def test_a_run_marked_abandoned_that_finishes_later_stays_abandoned(live_worker, barrier, live_dir, settings):
    """Every status change is conditional on the status it expects: a worker frozen past
    the heartbeat timeout is reaped as abandoned; when it thaws and its run finishes, the
    run stays abandoned and the journal says it finished after all, and how."""
    import os
    import signal

    from workflows.engine import reap_abandoned

    settings.WORKFLOW_HEARTBEAT_TIMEOUT = live.WORKFLOW_HEARTBEAT_TIMEOUT  # as beat's own setting
    barrier.close()
    victim = live.worker(
        "frozen", live_dir, queues=[live.VICTIM_QUEUE], concurrency=1, TEST_BARRIER_FILE=barrier.path
    )
    try:
        get_spec("testBarrier").task.apply_async(kwargs={"trigger": Trigger.MANUAL}, queue=live.VICTIM_QUEUE)
        run = live.wait_until(
            lambda: runs_of("testBarrier").filter(status=RunStatus.RUNNING).first(),
            30,
            "the worker never started the run",
            children=[victim],
        )
        os.killpg(victim.pid, signal.SIGSTOP)  # the worker and its heartbeat thread freeze
        try:
            live.wait_until(
                lambda: (
                    (timezone.now() - WorkflowRun.objects.get(pk=run.pk).heartbeat_at).total_seconds()
                    > live.WORKFLOW_HEARTBEAT_TIMEOUT + 1
                ),
                live.WORKFLOW_HEARTBEAT_TIMEOUT + 10,
                "the frozen run's heartbeat kept moving",
            )
            assert reap_abandoned(timezone.now()) == 1  # what beat's next tick does
        finally:
            barrier.open()
            os.killpg(victim.pid, signal.SIGCONT)
        live.wait_until(
            lambda: WorkflowLog.objects.filter(run=run, message__startswith="Finished after all").exists(),
            30,
            "the thawed run never said it finished",
            children=[victim],
        )
    finally:
        victim.stop()
    run.refresh_from_db()
    assert run.status == RunStatus.ABANDONED
    assert run.error.startswith("Abandoned: no heartbeat since")
    line = WorkflowLog.objects.get(run=run, message__startswith="Finished after all")
    assert line.message.startswith("Finished after all (succeeded in ")
    assert line.message.endswith("after it had been marked abandoned: it stays abandoned")
    assert line.level == LogLevel.WARNING
    assert run.metrics["released"] == 1  # its outcome is kept for the record, not its status
    assert statuses("testBarrier") == [RunStatus.ABANDONED]
