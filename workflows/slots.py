"""Schedule helpers: a workflow's schedule and the crontab fire times (slots) it
answers. (`crontabs` holds the crontab arithmetic; `beat` is beat's scheduler; `sync`
creates the schedules; `states` changes them.)"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django_celery_beat.models import PeriodicTask

from .crontabs import Cron, previous_fire
from .models import Workflow


@dataclass(frozen=True)
class Schedule:
    """A workflow's crontab, its time zone and whether beat sends it."""

    cron: Cron
    tz: str
    enabled: bool


def current_schedule(workflow: Workflow) -> Schedule:
    """The workflow's own PeriodicTask schedule, or its default (disabled) when it has
    none yet."""
    task = workflow.periodic_task
    if task is not None and task.crontab_id:
        return Schedule(Cron.from_schedule(task.crontab), str(task.crontab.timezone), task.enabled)
    return Schedule(Cron.parse(workflow.default_crontab), settings.TIME_ZONE, False)


def latest_fire_of_task(periodic_task: PeriodicTask | None, moment: datetime) -> datetime | None:
    """The latest fire time, at or before `moment`, of a periodic task's own crontab
    (in its time zone); None for a task without a crontab."""
    schedule = periodic_task.crontab if periodic_task is not None else None
    if schedule is None:
        return None
    return previous_fire(Cron.from_schedule(schedule), moment, tz=str(schedule.timezone))


def latest_slot(workflow: Workflow, moment: datetime) -> datetime | None:
    """The slot (crontab fire time) a scheduled run started at `moment` answers."""
    schedule = current_schedule(workflow)
    return previous_fire(schedule.cron, moment, tz=schedule.tz)
