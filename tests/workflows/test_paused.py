"""cleanupPausedWorkflows, with time travel over the weeks of a pause."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from workflows.choices import ChangeKind, RunStatus, Severity, Trigger, WorkflowState
from workflows.engine import execute
from workflows.models import Workflow, WorkflowChange, WorkflowLog
from workflows.registry import get_spec
from workflows.states import set_state

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PAUSED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def monday_run(weeks_after_pause):
    # Mondays 05:00 Europe/Paris (across the end of summer time on 25 October);
    # 2026-10-05 is the first Monday after the pause.
    day = datetime(2026, 10, 5) + timedelta(weeks=weeks_after_pause)
    moment = day.replace(hour=5, second=30, tzinfo=PARIS)
    with time_machine.travel(moment, tick=False):
        return execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.SCHEDULE)


@pytest.fixture
def paused_workflow(supervisor, make_operator):
    creator = make_operator("carol", email="carol@example.com")
    modifier = make_operator("mike", email="mike@example.com")
    workflow = Workflow.objects.create(
        name="campaignImport",
        label="Campaign import",
        module="deliveries",
        default_crontab="0 6 * * *",
        supervisors=supervisor.groups.first(),
        created_by=creator,
    )
    with time_machine.travel(PAUSED_AT, tick=False):
        set_state(workflow, WorkflowState.PAUSED, user=modifier)
    return workflow


def test_paused_less_than_a_week_is_left_alone(paused_workflow):
    run = monday_run(0)  # paused 4 days before
    assert run.metrics == {"paused_too_long": 0, "notified": 0, "stopped": 0, "emails_sent": 0}
    assert mail.outbox == []


def test_it_notifies_supervisors_creator_and_last_modifier(paused_workflow):
    run = monday_run(1)  # paused 10 days 18 hours
    assert run.status == RunStatus.SUCCEEDED
    assert run.metrics["notified"] == 1
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["carol@example.com", "mike@example.com", "sam@example.com"]
    assert "paused for 10 days" in mail.outbox[0].subject
    paused_workflow.refresh_from_db()
    assert paused_workflow.pause_notifications == 1
    assert WorkflowLog.objects.filter(
        workflow=paused_workflow, message__contains="notification 1 of 4"
    ).exists()


def test_a_second_run_in_the_same_week_sends_nothing_more(paused_workflow):
    monday_run(1)
    with time_machine.travel(datetime(2026, 10, 12, 10, 0, tzinfo=UTC), tick=False):
        run = execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.MANUAL)
    assert run.metrics["notified"] == 0
    assert len(mail.outbox) == 1


def test_after_four_notifications_the_workflow_is_stopped(paused_workflow):
    for week in range(1, 5):
        monday_run(week)
    paused_workflow.refresh_from_db()
    assert paused_workflow.state == WorkflowState.PAUSED
    assert paused_workflow.pause_notifications == 4
    run = monday_run(5)
    assert run.metrics["stopped"] == 1
    paused_workflow.refresh_from_db()
    assert paused_workflow.state == WorkflowState.STOPPED
    assert len(mail.outbox) == 4
    line = WorkflowLog.objects.filter(workflow=paused_workflow).last()
    assert "stopped unconditionally by cleanupPausedWorkflows" in line.message
    assert WorkflowChange.objects.filter(
        workflow=paused_workflow, kind=ChangeKind.STATE, after=WorkflowState.STOPPED
    ).exists()


@pytest.mark.parametrize("after", [timedelta(minutes=30), timedelta(days=3), timedelta(days=6)])
def test_the_stop_waits_a_full_period_after_the_last_notification(paused_workflow, after):
    for week in range(1, 5):
        monday_run(week)
    fourth = Workflow.objects.get(pk=paused_workflow.pk).last_pause_notification_at
    # A Run now (or a more frequent schedule) before the period is over stops nothing.
    with time_machine.travel(fourth + after, tick=False):
        run = execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.MANUAL)
    assert run.metrics["stopped"] == 0 and run.metrics["notified"] == 0
    assert Workflow.objects.get(pk=paused_workflow.pk).state == WorkflowState.PAUSED
    assert len(mail.outbox) == 4
    # The next Monday, a period after the last notification, stops it.
    assert monday_run(5).metrics["stopped"] == 1
    assert Workflow.objects.get(pk=paused_workflow.pk).state == WorkflowState.STOPPED


def test_resuming_resets_the_count(paused_workflow):
    monday_run(1)
    set_state(paused_workflow, WorkflowState.STARTED)
    paused_workflow.refresh_from_db()
    assert paused_workflow.pause_notifications == 0 and paused_workflow.paused_at is None


@pytest.mark.parametrize("severity", [Severity.PRODUCTION, Severity.CRITICAL])
def test_production_and_critical_workflows_are_left_alone(paused_workflow, severity):
    Workflow.objects.filter(pk=paused_workflow.pk).update(severity=severity)
    for week in range(1, 7):
        monday_run(week)
    paused_workflow.refresh_from_db()
    assert paused_workflow.state == WorkflowState.PAUSED
    assert paused_workflow.pause_notifications == 0
    assert mail.outbox == []
