"""sync_workflows: one row and one own schedule per workflow, edits never overwritten."""

import pytest
from django.conf import settings
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from workflows.choices import WorkflowState
from workflows.crontabs import Cron
from workflows.models import Workflow
from workflows.registry import all_specs
from workflows.states import change_schedule, set_state
from workflows.sync import sync_workflows

pytestmark = pytest.mark.django_db


def crontab_of(name):
    return str(Cron.from_schedule(Workflow.objects.get(name=name).periodic_task.crontab))


def test_every_registered_workflow_has_its_own_schedule_in_the_time_zone():
    specs = all_specs()
    assert specs, "no workflow registered"
    for spec in specs:
        workflow = Workflow.objects.get(name=spec.name)
        task = workflow.periodic_task
        assert task.task == spec.task_name
        assert task.queue == spec.queue
        assert str(task.crontab.timezone) == settings.TIME_ZONE
        assert str(Cron.from_schedule(task.crontab)) == spec.crontab
    crontab_ids = [w.periodic_task.crontab_id for w in Workflow.objects.all()]
    assert len(crontab_ids) == len(set(crontab_ids)), "a CrontabSchedule is shared"


def test_sync_is_idempotent():
    before = (Workflow.objects.count(), PeriodicTask.objects.count(), CrontabSchedule.objects.count())
    assert sync_workflows() == []
    assert (Workflow.objects.count(), PeriodicTask.objects.count(), CrontabSchedule.objects.count()) == before


def test_an_edited_schedule_is_not_overwritten(administrator):
    workflow = Workflow.objects.get(name="cleanupPausedWorkflows")
    change_schedule(workflow, Cron.parse("30 6 * * 2"), True, administrator)
    sync_workflows()
    assert crontab_of("cleanupPausedWorkflows") == "30 6 * * 2"


def test_an_unedited_schedule_follows_a_new_code_default():
    workflow = Workflow.objects.get(name="cleanupPausedWorkflows")
    schedule = workflow.periodic_task.crontab
    schedule.hour = "7"
    schedule.save()
    # As if the code's default had been "0 7 * * 1" when the row was created.
    Workflow.objects.filter(pk=workflow.pk).update(default_crontab="0 7 * * 1")
    sync_workflows()
    assert crontab_of("cleanupPausedWorkflows") == "0 5 * * 1"


def test_editing_one_schedule_moves_no_other(administrator):
    other = Workflow.objects.create(
        name="other", label="Other", module="deliveries", default_crontab="0 5 * * 1"
    )
    other_schedule = CrontabSchedule.objects.create(
        minute="0", hour="5", day_of_week="1", timezone=settings.TIME_ZONE
    )
    other.periodic_task = PeriodicTask.objects.create(name="other", task="x", crontab=other_schedule)
    other.save()
    change_schedule(
        Workflow.objects.get(name="cleanupPausedWorkflows"), Cron.parse("0 9 * * *"), True, administrator
    )
    other_schedule.refresh_from_db()
    assert other_schedule.hour == "5"


def test_a_workflow_whose_app_is_gone_is_not_scheduled():
    orphan_task = PeriodicTask.objects.create(
        name="workflow: gone",
        task="workflow.gone",
        crontab=CrontabSchedule.objects.create(minute="0", hour="1", timezone=settings.TIME_ZONE),
    )
    Workflow.objects.create(
        name="gone", label="Gone", module="deliveries", default_crontab="0 1 * * *", periodic_task=orphan_task
    )
    sync_workflows()
    orphan_task.refresh_from_db()
    assert orphan_task.enabled is False


def test_pause_disables_and_resume_enables_the_periodic_task(administrator):
    workflow = Workflow.objects.get(name="cleanupPausedWorkflows")
    set_state(workflow, WorkflowState.PAUSED, administrator)
    assert PeriodicTask.objects.get(pk=workflow.periodic_task_id).enabled is False
    sync_workflows()  # a paused workflow stays unscheduled
    assert PeriodicTask.objects.get(pk=workflow.periodic_task_id).enabled is False
    set_state(workflow, WorkflowState.STARTED, administrator)
    assert PeriodicTask.objects.get(pk=workflow.periodic_task_id).enabled is True
