"""One way to declare a technical workflow: the `technical_workflow` decorator.

It records the workflow's properties in the registry and makes the function a Celery
task that runs through the engine. Workflows are declared in their app's tasks.py, so
an app that is not installed brings none (WorkflowsConfig.ready imports tasks.py of
installed apps only).
"""

from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings

from .choices import CatchUp, Module, Severity
from .crontabs import Cron

_REGISTRY = {}


@dataclass
class WorkflowSpec:
    name: str
    label: str
    module: str
    crontab: str
    function: object
    description: str = ""
    severity: str = Severity.NORMAL
    catch_up: str = CatchUp.RUN_ONCE
    queue: str = "default"
    time_limit: int = 3600
    soft_time_limit: int | None = None
    max_retries: int = 0
    retry_backoff: int = 60
    retry_on: tuple = ()
    # preview(now) -> text: what a run would do now, changing nothing (run_workflow --dry-run).
    preview: object = field(default=None, repr=False)
    task: object = field(default=None, repr=False)

    @property
    def task_name(self):
        return f"workflow.{self.name}"

    @property
    def cron(self):
        return Cron.parse(self.crontab)


def technical_workflow(
    *,
    name,
    label,
    crontab,
    module=Module.DELIVERIES,
    description="",
    severity=Severity.NORMAL,
    catch_up=CatchUp.RUN_ONCE,
    queue="default",
    time_limit=3600,
    soft_time_limit=None,
    max_retries=0,
    retry_backoff=60,
    retry_on=(),
    preview=None,
):
    """Declare a technical workflow. The function takes a `RunContext` (ctx.now,
    ctx.log(), ctx.metrics) and returns a dict of metrics, or None."""
    Cron.parse(crontab).celery()  # a bad default crontab fails at import, not at 04:00
    if time_limit > settings.WORKFLOW_MAX_TIME_LIMIT:
        raise ValueError(f"{name}: time_limit above WORKFLOW_MAX_TIME_LIMIT")

    def decorate(function):
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
        )

        def run_task(self, trigger="schedule", run_id=None, user_id=None, slot=None):
            from .engine import execute

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
        _REGISTRY[name] = spec
        return spec.task

    return decorate


def route(name, args, kwargs, options, task=None, **kw):
    """Celery task router (CELERY_TASK_ROUTES): each workflow goes to its own queue,
    so that a long purge cannot starve tracking."""
    if name.startswith("workflow."):
        spec = _REGISTRY.get(name.removeprefix("workflow."))
        if spec is not None:
            return {"queue": spec.queue}
    return None


def get_spec(name):
    return _REGISTRY.get(name)


def all_specs():
    return sorted(_REGISTRY.values(), key=lambda spec: spec.name)
