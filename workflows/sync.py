"""Workflow rows and their own django-celery-beat schedules: `sync_workflows` creates
them for every registered workflow, after every migrate (and with the sync_workflows
command). (`states` changes a workflow's state and schedule afterwards.)"""

import json

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask, PeriodicTasks

from .choices import Trigger, WorkflowState
from .crontabs import Cron
from .models import Workflow
from .plugins import Role
from .registry import all_specs

PERIODIC_TASK_PREFIX = "workflow: "


def crontab_fields(cron):
    return {
        "minute": cron.minute,
        "hour": cron.hour,
        "day_of_month": cron.day_of_month,
        "month_of_year": cron.month_of_year,
        "day_of_week": cron.day_of_week,
    }


@transaction.atomic
def sync_workflows():
    """Create or update every registered workflow's row and its own PeriodicTask and
    CrontabSchedule, without overwriting a schedule an administrator has edited.
    Returns the names of the workflows created."""
    created_names = []
    supervisors = Group.objects.filter(name=Role.WORKFLOW_SUPERVISORS.group_name).first()
    registered = set()
    for spec in all_specs():
        registered.add(spec.name)
        workflow, created = Workflow.objects.get_or_create(
            name=spec.name,
            defaults={
                "label": str(spec.label),
                "module": spec.module,
                "description": str(spec.description),
                "severity": spec.severity,
                "catch_up": spec.catch_up,
                "default_crontab": spec.crontab,
                "supervisors": supervisors,
            },
        )
        if created:
            created_names.append(spec.name)
        workflow.label = str(spec.label)
        workflow.module = spec.module
        workflow.description = str(spec.description)
        task = workflow.periodic_task
        new_task = task is None
        if new_task:
            schedule = CrontabSchedule.objects.create(
                timezone=settings.TIME_ZONE, **crontab_fields(spec.cron)
            )
            task, _ = PeriodicTask.objects.update_or_create(
                name=PERIODIC_TASK_PREFIX + spec.name,
                defaults={"crontab": schedule, "interval": None, "solar": None, "clocked": None},
            )
            workflow.periodic_task = task
        elif str(Cron.from_schedule(task.crontab)) == workflow.default_crontab:
            # Not edited: follow the code's default (which may have changed).
            schedule = task.crontab
            for key, value in crontab_fields(spec.cron).items():
                setattr(schedule, key, value)
            schedule.save()
        task.task = spec.task_name
        task.kwargs = json.dumps({"trigger": Trigger.SCHEDULE})
        task.queue = spec.queue
        task.description = str(spec.label)
        if new_task:
            task.enabled = workflow.state == WorkflowState.STARTED
        elif workflow.state != WorkflowState.STARTED:
            task.enabled = False
        task.save()
        workflow.default_crontab = spec.crontab
        workflow.save()
    # A workflow whose app is no longer installed must not be sent by beat.
    PeriodicTask.objects.filter(workflow__isnull=False).exclude(workflow__name__in=registered).update(
        enabled=False
    )
    PeriodicTasks.update_changed()
    return created_names


def sync_after_migrate(sender, **kwargs):
    """post_migrate is sent once per app: sync after the last one, once every app's
    tables exist."""
    if sender is not list(apps.get_app_configs())[-1]:
        return
    sync_workflows()
