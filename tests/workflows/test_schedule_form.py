"""The schedule form: Celery's crontab validation, never-firing crontabs, preview, save."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from workflows.forms import ScheduleForm
from workflows.models import Workflow, WorkflowChange

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 26, 12, 0, tzinfo=UTC)  # the week of the spring DST change in Paris


def data(**overrides):
    values = {
        "minute": "0",
        "hour": "5",
        "day_of_month": "*",
        "month_of_year": "*",
        "day_of_week": "1",
        "enabled": "on",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
def workflow():
    return Workflow.objects.select_related("periodic_task__crontab").get(name="cleanupPausedWorkflows")


@pytest.fixture
def url(workflow):
    return reverse("admin:workflows_workflow_schedule", args=[workflow.pk])


def test_a_valid_crontab_is_accepted():
    form = ScheduleForm(data(minute="*/30", hour="1-3", day_of_week="mon-fri"), now=NOW)
    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["cron"]) == "*/30 1-3 * * mon-fri"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("minute", "61", "Invalid end range: 61 > 59"),
        ("hour", "25", "Invalid end range: 25 > 23"),
        ("day_of_month", "32", "Invalid end range: 32 > 31"),
        ("month_of_year", "13", "Invalid end range: 13 > 12"),
        ("day_of_week", "8", "Invalid end range: 8 > 6"),
        ("minute", "*/0", "slice step cannot be zero"),
        ("hour", "4 5", "without spaces"),
        ("minute", "", "This field is required"),
    ],
)
def test_a_malformed_field_gets_its_own_error(field, value, message):
    form = ScheduleForm(data(**{field: value}), now=NOW)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_a_crontab_that_never_fires_is_refused():
    form = ScheduleForm(
        data(minute="0", hour="0", day_of_month="31", month_of_year="2", day_of_week="*"), now=NOW
    )
    assert not form.is_valid()
    assert "never fires" in " ".join(form.non_field_errors())


def test_the_page_shows_the_next_five_fire_times_in_local_time(administrator_client, url):
    with time_machine.travel(NOW, tick=False):
        response = administrator_client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    fires = [local for _utc, local in response.context["current_fires"]]
    assert len(fires) == 5
    assert all((f.weekday(), f.hour, f.minute) == (0, 5, 0) for f in fires)
    # Across the DST change: 05:00 local stays 05:00, the offset moves from CET to CEST.
    assert "Monday 30 March 2026 05:00 CEST" in html
    assert 'id="schedule-form"' in html and 'class="cron-fields"' in html


def test_preview_shows_the_submitted_schedule_without_saving(administrator_client, url, workflow):
    with time_machine.travel(NOW, tick=False):
        response = administrator_client.post(
            url, {**data(minute="30", hour="2", day_of_week="*"), "preview": "Preview"}
        )
    assert response.status_code == 200
    fires = [local for _utc, local in response.context["preview"]["fires"]]
    assert [(f.day, f.hour, f.minute) for f in fires] == [
        (27, 2, 30),
        (28, 2, 30),
        (29, 3, 30),
        (30, 2, 30),
        (31, 2, 30),
    ]
    # 02:30 does not exist on 29 March in Paris: that day's fire time is shown at 03:30 CEST.
    schedule = CrontabSchedule.objects.get(pk=workflow.periodic_task.crontab_id)
    assert (schedule.minute, schedule.hour) == ("0", "5")
    assert not WorkflowChange.objects.filter(workflow=workflow).exists()


def test_preview_warns_about_schedules_more_often_than_every_15_minutes(administrator_client, url):
    response = administrator_client.post(
        url, {**data(minute="*/5", hour="*", day_of_week="*"), "preview": "1"}
    )
    assert "more often than every 15 minutes" in response.content.decode()


def test_save_changes_the_crontab_and_records_who_changed_what(
    administrator_client, administrator, url, workflow
):
    response = administrator_client.post(
        url, {**data(minute="15", hour="6", day_of_week="2", enabled=None), "save": "Save"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("admin:workflows_workflow_change", args=[workflow.pk])
    schedule = CrontabSchedule.objects.get(pk=workflow.periodic_task.crontab_id)
    assert (schedule.minute, schedule.hour, schedule.day_of_week) == ("15", "6", "2")
    assert PeriodicTask.objects.get(pk=workflow.periodic_task_id).enabled is False
    change = WorkflowChange.objects.get(workflow=workflow, kind="schedule")
    assert (change.before, change.after, change.changed_by) == (
        "0 5 * * 1 (enabled)",
        "15 6 * * 2 (disabled)",
        administrator,
    )
    assert "Schedule of cleanupPausedWorkflows saved" in response.content.decode()


def test_an_invalid_submission_saves_nothing_and_says_why(administrator_client, url, workflow):
    response = administrator_client.post(
        url, {**data(day_of_month="31", month_of_year="2", day_of_week="*"), "save": "Save"}
    )
    assert response.status_code == 200
    assert "never fires" in response.content.decode()
    schedule = CrontabSchedule.objects.get(pk=workflow.periodic_task.crontab_id)
    assert (schedule.day_of_month, schedule.month_of_year) == ("*", "*")
    assert not WorkflowChange.objects.filter(workflow=workflow).exists()


def test_the_periodic_task_admin_is_read_only_for_workflow_tasks(administrator_client, workflow):
    task_url = reverse("admin:django_celery_beat_periodictask_change", args=[workflow.periodic_task_id])
    response = administrator_client.get(task_url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "it is read-only here" in html
    assert reverse("admin:workflows_workflow_schedule", args=[workflow.pk]) in html
    assert 'name="_save"' not in html
    # A POST cannot change it either.
    response = administrator_client.post(task_url, {"name": "x", "task": "x", "enabled": ""})
    assert response.status_code == 403
    assert PeriodicTask.objects.get(pk=workflow.periodic_task_id).enabled is True
    crontab_url = reverse(
        "admin:django_celery_beat_crontabschedule_change", args=[workflow.periodic_task.crontab_id]
    )
    assert administrator_client.post(crontab_url, {"minute": "1"}).status_code == 403


def test_bulk_actions_leave_workflow_tasks_alone(administrator_client, workflow):
    other = PeriodicTask.objects.create(
        name="other",
        task="celery.backend_cleanup",
        enabled=True,
        crontab=CrontabSchedule.objects.create(minute="0", hour="4"),
    )
    response = administrator_client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "disable_tasks", "_selected_action": [workflow.periodic_task_id, other.pk]},
        follow=True,
    )
    assert "1 task of a technical workflow left unchanged" in response.content.decode()
    assert PeriodicTask.objects.get(pk=workflow.periodic_task_id).enabled is True
    assert PeriodicTask.objects.get(pk=other.pk).enabled is False


def test_bulk_delete_refuses_a_selection_holding_a_workflow_task(administrator_client, workflow):
    """Django's delete_selected checks has_delete_permission(obj) on every object, the
    workflow's task and (through its crontab) the task it would cascade to."""
    other = PeriodicTask.objects.create(
        name="other", task="celery.backend_cleanup", crontab=CrontabSchedule.objects.create(minute="0")
    )
    for model, ids in (
        ("periodictask", [workflow.periodic_task_id, other.pk]),
        ("crontabschedule", [workflow.periodic_task.crontab_id, other.crontab_id]),
    ):
        response = administrator_client.post(
            reverse(f"admin:django_celery_beat_{model}_changelist"),
            {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        )
        assert response.status_code == 403, model
    assert PeriodicTask.objects.filter(pk__in=[workflow.periodic_task_id, other.pk]).count() == 2
    assert CrontabSchedule.objects.filter(pk=workflow.periodic_task.crontab_id).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"day_of_month": "*", "day_of_week": "*"},  # every day
        {"day_of_month": "31", "day_of_week": "*"},  # not every month has it
        {"day_of_month": "1,15", "day_of_week": "*"},  # twice a month
        {"day_of_month": "25", "day_of_week": "1"},  # only when the 25th is a Monday
        {"day_of_month": "25", "month_of_year": "1-6", "day_of_week": "*"},
        {"day_of_month": "25", "hour": "*/6", "day_of_week": "*"},  # four times that day
    ],
)
def test_the_billing_schedule_must_fire_once_a_month_on_a_day_from_1_to_28(administrator_client, fields):
    billing = Workflow.objects.select_related("periodic_task__crontab").get(name="billing")
    billing_url = reverse("admin:workflows_workflow_schedule", args=[billing.pk])
    response = administrator_client.post(billing_url, {**data(**fields), "save": "Save"})
    assert response.status_code == 200
    assert "The billing report is sent once a month" in response.content.decode()
    schedule = CrontabSchedule.objects.get(pk=billing.periodic_task.crontab_id)
    assert (schedule.minute, schedule.hour, schedule.day_of_month) == ("0", "0", "25")
    assert not WorkflowChange.objects.filter(workflow=billing).exists()


def test_the_billing_schedule_may_move_to_another_day_of_the_month(administrator_client):
    billing = Workflow.objects.select_related("periodic_task__crontab").get(name="billing")
    billing_url = reverse("admin:workflows_workflow_schedule", args=[billing.pk])
    fields = data(minute="30", hour="6", day_of_month="10", day_of_week="*")
    response = administrator_client.post(billing_url, {**fields, "save": "Save"})
    assert response.status_code == 302
    schedule = CrontabSchedule.objects.get(pk=billing.periodic_task.crontab_id)
    assert (schedule.minute, schedule.hour, schedule.day_of_month) == ("30", "6", "10")
