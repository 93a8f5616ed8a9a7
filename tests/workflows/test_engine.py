"""The run ledger: exactly-once per slot and per workflow, failures, retries, reaping."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction

from workflows.choices import RunStatus, Trigger, WorkflowState
from workflows.engine import WorkflowError, execute, reap_abandoned
from workflows.models import Workflow, WorkflowLog, WorkflowRun
from workflows.registry import WorkflowSpec, get_spec
from workflows.states import set_state

pytestmark = pytest.mark.django_db

MONDAY_0500 = datetime(2026, 11, 23, 4, 0, 20, tzinfo=UTC)  # 05:00:20 in Europe/Paris


def spec_with(function, name="cleanupPausedWorkflows"):
    real = get_spec(name)
    return WorkflowSpec(
        name=real.name, label=real.label, module=real.module, crontab=real.crontab, function=function
    )


def test_a_scheduled_run_answers_its_crontab_slot():
    with time_machine.travel(MONDAY_0500, tick=False):
        run = execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.SCHEDULE)
    assert run.status == RunStatus.SUCCEEDED
    assert run.slot == datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    assert run.metrics["paused_too_long"] == 0


def test_a_second_run_of_the_same_slot_is_skipped():
    spec = get_spec("cleanupPausedWorkflows")
    with time_machine.travel(MONDAY_0500, tick=False):
        first = execute(spec, trigger=Trigger.SCHEDULE)
    with time_machine.travel(MONDAY_0500 + timedelta(seconds=30), tick=False):
        second = execute(spec, trigger=Trigger.SCHEDULE)
    assert first.status == RunStatus.SUCCEEDED
    assert second.status == RunStatus.SKIPPED
    assert "already run" in second.error
    assert WorkflowRun.objects.filter(status=RunStatus.SUCCEEDED).count() == 1


def test_the_database_refuses_two_active_runs():
    workflow = Workflow.objects.get(name="cleanupPausedWorkflows")
    now = MONDAY_0500
    WorkflowRun.objects.create(
        workflow=workflow, trigger=Trigger.MANUAL, status=RunStatus.RUNNING, created_at=now
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkflowRun.objects.create(
            workflow=workflow, trigger=Trigger.MANUAL, status=RunStatus.QUEUED, created_at=now
        )


def test_a_run_while_another_is_running_is_skipped():
    workflow = Workflow.objects.get(name="cleanupPausedWorkflows")
    holder = WorkflowRun.objects.create(
        workflow=workflow,
        trigger=Trigger.MANUAL,
        status=RunStatus.RUNNING,
        created_at=MONDAY_0500,
        heartbeat_at=MONDAY_0500,
    )
    with time_machine.travel(MONDAY_0500 + timedelta(seconds=5), tick=False):
        run = execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.MANUAL)
    assert run.status == RunStatus.SKIPPED
    assert f"run #{holder.pk} is already running" in run.error


def test_a_failure_is_journaled_in_one_line_and_mailed_to_supervisors(supervisor):
    def broken(ctx):
        ctx.log("step 1 done")
        raise WorkflowError("the frobnicator is out of order")

    run = execute(spec_with(broken), trigger=Trigger.MANUAL)
    assert run.status == RunStatus.FAILED
    assert run.error == "the frobnicator is out of order"
    assert "WorkflowError" in run.traceback
    lines = list(WorkflowLog.objects.filter(run=run).values_list("message", flat=True))
    assert lines[-1] == "Failed: the frobnicator is out of order"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@example.com"]
    assert "the frobnicator is out of order" in mail.outbox[0].body


def test_a_scheduled_trigger_of_a_paused_workflow_does_nothing():
    workflow = Workflow.objects.get(name="cleanupPausedWorkflows")
    set_state(workflow, WorkflowState.PAUSED)
    assert workflow.periodic_task.enabled is False
    run = execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.SCHEDULE)
    assert run.status == RunStatus.SKIPPED


def test_a_run_whose_heartbeat_stopped_is_abandoned(settings):
    settings.WORKFLOW_HEARTBEAT_TIMEOUT = 60
    workflow = Workflow.objects.get(name="cleanupPausedWorkflows")
    run = WorkflowRun.objects.create(
        workflow=workflow,
        trigger=Trigger.SCHEDULE,
        status=RunStatus.RUNNING,
        created_at=MONDAY_0500,
        heartbeat_at=MONDAY_0500,
    )
    assert reap_abandoned(MONDAY_0500 + timedelta(seconds=59)) == 0
    assert reap_abandoned(MONDAY_0500 + timedelta(seconds=61)) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.ABANDONED
    assert run.error.startswith("Abandoned: no heartbeat since")


@pytest.mark.parametrize(
    ("late", "expected"),
    [(timedelta(minutes=2), RunStatus.SUCCEEDED), (timedelta(hours=3), RunStatus.SKIPPED)],
)
def test_the_skip_catch_up_policy_skips_missed_slots_only(late, expected):
    Workflow.objects.filter(name="cleanupPausedWorkflows").update(catch_up="skip")
    slot = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    with time_machine.travel(slot + late, tick=False):
        run = execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.SCHEDULE)
    assert run.status == expected


def test_the_run_once_catch_up_policy_runs_the_latest_missed_slot_once():
    spec = get_spec("cleanupPausedWorkflows")
    # Beat was down for two weeks; on restart it sends the overdue task once.
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=UTC), tick=False):
        first = execute(spec, trigger=Trigger.SCHEDULE)
        second = execute(spec, trigger=Trigger.SCHEDULE)
    assert first.status == RunStatus.SUCCEEDED
    assert first.slot == datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    assert second.status == RunStatus.SKIPPED


def test_a_scheduled_run_keeps_the_slot_beat_sent_even_when_it_starts_late():
    spec = get_spec("cleanupPausedWorkflows")
    sent_for = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    # The worker picks the message up after the next Monday's fire time (a long queue).
    with time_machine.travel(datetime(2026, 11, 30, 4, 0, 5, tzinfo=UTC), tick=False):
        late = execute(spec, trigger=Trigger.SCHEDULE, slot=sent_for.isoformat())
        on_time = execute(spec, trigger=Trigger.SCHEDULE)
    assert late.slot == sent_for and late.status == RunStatus.SUCCEEDED
    assert on_time.slot == datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    assert on_time.status == RunStatus.SUCCEEDED


def test_beat_sends_the_fire_time_it_fires_for():
    from workflows.beat import slot_sent_for as slot_of

    task = Workflow.objects.get(name="cleanupPausedWorkflows").periodic_task
    # Monday 05:00:00.4 Paris time by beat's clock.
    assert slot_of(task, datetime(2026, 11, 23, 4, 0, 0, 400000, tzinfo=UTC)) == datetime(
        2026, 11, 23, 4, 0, tzinfo=UTC
    )
