"""Supervision logic with time travel: late slots, long pauses, beat liveness, trends."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from workflows import supervision
from workflows.choices import RunStatus, Severity, Trigger, WorkflowState
from workflows.engine import execute
from workflows.models import BeatHeartbeat, Workflow, WorkflowRun
from workflows.registry import get_spec
from workflows.states import set_state

pytestmark = pytest.mark.django_db

# cleanupPausedWorkflows fires on Mondays at 05:00 Europe/Paris = 04:00 UTC in winter.
SLOT = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
CREATED = SLOT - timedelta(days=1)


@pytest.fixture
def workflow():
    Workflow.objects.filter(name="cleanupPausedWorkflows").update(created_at=CREATED)
    return Workflow.objects.select_related("periodic_task__crontab").get(name="cleanupPausedWorkflows")


def row_of(now, name="cleanupPausedWorkflows"):
    return next(r for r in supervision.workflow_rows(now) if r.workflow.name == name)


def test_a_slot_is_late_only_after_the_grace_period(workflow, settings):
    settings.WORKFLOW_LATE_GRACE_MINUTES = 15
    assert supervision.late_slot(workflow, SLOT + timedelta(minutes=14)) is None
    assert supervision.late_slot(workflow, SLOT + timedelta(minutes=16)) == SLOT
    assert row_of(SLOT + timedelta(minutes=16)).late_slot == SLOT


def test_a_run_for_the_slot_clears_late_whatever_its_status(workflow):
    now = SLOT + timedelta(hours=1)
    WorkflowRun.objects.create(
        workflow=workflow,
        trigger=Trigger.SCHEDULE,
        slot=SLOT,
        status=RunStatus.FAILED,
        created_at=SLOT,
        finished_at=SLOT,
    )
    assert supervision.late_slot(workflow, now) is None
    assert row_of(now).late_slot is None


def test_a_real_scheduled_run_answers_the_slot(workflow):
    with time_machine.travel(SLOT + timedelta(seconds=20), tick=False):
        execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.SCHEDULE)
    assert supervision.late_slot(workflow, SLOT + timedelta(hours=2)) is None
    # The week after, nothing ran: that slot is late.
    assert supervision.late_slot(workflow, SLOT + timedelta(days=7, minutes=30)) == SLOT + timedelta(days=7)


def test_a_paused_or_disabled_workflow_is_never_late(workflow):
    now = SLOT + timedelta(hours=1)
    set_state(workflow, WorkflowState.PAUSED, now=CREATED)
    assert supervision.late_slot(workflow, now) is None
    set_state(workflow, WorkflowState.STARTED, now=CREATED)
    assert supervision.late_slot(workflow, now) == SLOT
    workflow.periodic_task.enabled = False
    workflow.periodic_task.save()
    assert supervision.late_slot(workflow, now) is None


def test_slots_before_a_resume_or_a_schedule_change_are_not_late(workflow):
    now = SLOT + timedelta(hours=1)
    set_state(workflow, WorkflowState.PAUSED, now=CREATED)
    set_state(workflow, WorkflowState.STARTED, now=SLOT + timedelta(minutes=30))
    assert row_of(now).late_slot is None
    assert supervision.late_slot(workflow, now) is None  # the workflow's page agrees
    # A week later the next slot did not run: late again.
    assert row_of(SLOT + timedelta(days=7, hours=1)).late_slot == SLOT + timedelta(days=7)
    assert supervision.late_slot(workflow, SLOT + timedelta(days=7, hours=1)) == SLOT + timedelta(days=7)


def test_a_workflow_created_after_the_slot_is_not_late(workflow):
    Workflow.objects.filter(pk=workflow.pk).update(created_at=SLOT + timedelta(minutes=1))
    workflow.refresh_from_db()
    assert supervision.late_slot(workflow, SLOT + timedelta(hours=1)) is None


def test_paused_longer_than_the_period_is_flagged_for_normal_severity(workflow, settings):
    settings.PAUSED_WORKFLOW_PERIOD_DAYS = 7
    set_state(workflow, WorkflowState.PAUSED, now=SLOT)
    Workflow.objects.filter(pk=workflow.pk).update(pause_notifications=2)
    assert row_of(SLOT + timedelta(days=6)).paused_days is None
    assert row_of(SLOT + timedelta(days=8, hours=1)).paused_days == 8
    Workflow.objects.filter(pk=workflow.pk).update(severity=Severity.PRODUCTION)
    assert row_of(SLOT + timedelta(days=8, hours=1)).paused_days is None


def test_the_screen_shows_the_warnings(client, administrator, workflow, settings):
    settings.PAUSED_WORKFLOW_PERIOD_DAYS = 7
    client.force_login(administrator)
    with time_machine.travel(SLOT + timedelta(minutes=20), tick=False):
        html = client.get(reverse("admin:workflows_workflow_changelist")).content.decode()
    assert 'data-workflow="cleanupPausedWorkflows" data-state="started" data-late="true"' in html
    assert "Late: no run for the 2026-11-23 05:00 slot" in html

    set_state(workflow, WorkflowState.PAUSED, now=SLOT)
    Workflow.objects.filter(pk=workflow.pk).update(pause_notifications=1)
    with time_machine.travel(SLOT + timedelta(days=9), tick=False):
        html = client.get(reverse("admin:workflows_workflow_changelist")).content.decode()
    row = html[html.index('<tr id="workflow-cleanupPausedWorkflows"') :]
    row = row[: row.index("</tr>")]
    assert "Paused for 9 days, 1 notification sent" in row
    assert 'data-late="true"' not in row


def test_beat_is_dead_after_the_stale_period(settings):
    settings.BEAT_STALE_SECONDS = 120
    now = SLOT
    assert supervision.beat_status(now).state == "dead"
    BeatHeartbeat.objects.create(identity="a", seen_at=now - timedelta(seconds=120))
    assert supervision.beat_status(now).state == "alive"
    assert supervision.beat_status(now + timedelta(seconds=1)).state == "dead"
    # The freshest of several beats counts.
    BeatHeartbeat.objects.create(identity="b", seen_at=now)
    assert supervision.beat_status(now + timedelta(seconds=60)).alive


def test_duration_trend_flags_a_run_three_times_slower(workflow):
    def run(seconds, status=RunStatus.SUCCEEDED):
        return WorkflowRun(
            workflow=workflow, status=status, started_at=SLOT, finished_at=SLOT + timedelta(seconds=seconds)
        )

    usual = [run(10), run(11), run(9), run(10)]
    trend = supervision.duration_trend([run(35), *usual])
    assert trend.slow and trend.count == 5
    assert trend.median == timedelta(seconds=10)
    assert trend.p95 == timedelta(seconds=35)
    assert not supervision.duration_trend([run(25), *usual]).slow
    # Failed runs do not count in the trend.
    assert supervision.duration_trend([run(100, RunStatus.FAILED), *usual]).last == timedelta(seconds=10)
    assert supervision.duration_trend([]).count == 0
