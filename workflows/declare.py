"""One way to declare a technical workflow: the `technical_workflow` decorator.

It records the workflow's declaration in the registry and makes the function a Celery
task (`workflow.<name>`) that runs through the engine. Workflows are declared in their
app's tasks.py, so an app that is not installed brings none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from celery import Task, shared_task
from django.conf import settings

from .choices import CatchUp, Module, Severity, Trigger
from .crontabs import Cron
from .engine import execute
from .registry import WorkflowSpec, register

if TYPE_CHECKING:
    from datetime import datetime

    from django.utils.functional import _StrOrPromise as Text

    from .context import RunContext
else:
    Text = str

WorkflowFunction = Callable[["RunContext"], "dict[str, Any] | None"]


def technical_workflow(
    *,
    name: str,
    label: Text,
    crontab: str,
    module: str = Module.DELIVERIES,
    description: Text = "",
    severity: str = Severity.NORMAL,
    catch_up: str = CatchUp.RUN_ONCE,
    queue: str = "default",
    time_limit: int = 3600,
    soft_time_limit: int | None = None,
    max_retries: int = 0,
    retry_backoff: int = 60,
    retry_on: Iterable[type[BaseException]] = (),
    preview: Callable[[datetime], str] | None = None,
    schedule_validator: Callable[[Cron], Text | None] | None = None,
) -> Callable[[WorkflowFunction], Task]:
    """Declare a technical workflow. The function takes a `RunContext` (ctx.now,
    ctx.log(), ctx.metrics) and returns a dict of metrics, or None.
    `schedule_validator(cron)` returns why the schedule form must refuse a schedule
    (or None to accept it)."""
    default = Cron.parse(crontab)
    default.celery()  # a bad default crontab fails at import, not at 04:00
    if schedule_validator is not None and schedule_validator(default) is not None:
        raise ValueError(f"{name}: the default crontab {crontab!r} fails its own schedule validator")
    if time_limit > settings.WORKFLOW_MAX_TIME_LIMIT:
        raise ValueError(f"{name}: time_limit above WORKFLOW_MAX_TIME_LIMIT")

    def decorate(function: WorkflowFunction) -> Task:
        spec = WorkflowSpec(
            name=name,
            label=label,
            module=module,
            crontab=crontab,
            function=function,
            description=description,
            severity=severity,
            catch_up=catch_up,
            queue=queue,
            time_limit=time_limit,
            soft_time_limit=soft_time_limit or max(time_limit - 60, int(time_limit * 0.9)),
            max_retries=max_retries,
            retry_backoff=retry_backoff,
            retry_on=tuple(retry_on),
            preview=preview,
            schedule_validator=schedule_validator,
        )

        def run_task(
            self: Task,
            trigger: str = Trigger.SCHEDULE,
            run_id: int | None = None,
            user_id: int | None = None,
            slot: str | None = None,
        ) -> dict[str, Any]:
            run = execute(spec, trigger=trigger, run_id=run_id, user_id=user_id, task=self, slot=slot)
            return {"run": run.pk, "status": run.status}

        run_task.__name__ = function.__name__
        run_task.__doc__ = function.__doc__
        spec.task = shared_task(
            bind=True,
            name=spec.task_name,
            time_limit=time_limit,
            soft_time_limit=spec.soft_time_limit,
            max_retries=max_retries,
            ignore_result=True,
        )(run_task)
        register(spec)
        return spec.task

    return decorate
