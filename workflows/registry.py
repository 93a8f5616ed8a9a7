"""The registry of technical workflows: their declarations, and nothing else.

`workflows.declare.technical_workflow` fills it when an app's tasks.py is imported
(WorkflowsConfig.ready imports the tasks.py of installed apps only, so an app that is
not installed brings no workflow). Everything else reads it: the engine, the beat
schedule sync, the screens, the task router and `runall`'s queues.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .choices import CatchUp, Severity
from .crontabs import Cron

if TYPE_CHECKING:
    from datetime import datetime

    from celery import Task
    from django.utils.functional import _StrOrPromise as Text

    from .context import RunContext
else:
    Text = str


@dataclass
class WorkflowSpec:
    """A workflow as its app declares it."""

    name: str
    label: Text
    module: str
    crontab: str
    function: Callable[[RunContext], dict[str, Any] | None]
    description: Text = ""
    severity: str = Severity.NORMAL
    catch_up: str = CatchUp.RUN_ONCE
    queue: str = "default"
    time_limit: int = 3600
    soft_time_limit: int | None = None
    max_retries: int = 0
    retry_backoff: int = 60
    retry_on: tuple[type[BaseException], ...] = ()
    # preview(now) -> text: what a run would do now, changing nothing (run_workflow --dry-run).
    preview: Callable[[datetime], str] | None = field(default=None, repr=False)
    # schedule_validator(cron) -> None, or the reason the schedule form refuses `cron`.
    schedule_validator: Callable[[Cron], Text | None] | None = field(default=None, repr=False)
    task: Task | None = field(default=None, repr=False)

    @property
    def task_name(self) -> str:
        return f"workflow.{self.name}"

    @property
    def cron(self) -> Cron:
        return Cron.parse(self.crontab)


_REGISTRY: dict[str, WorkflowSpec] = {}


def register(spec: WorkflowSpec) -> None:
    _REGISTRY[spec.name] = spec


def get_spec(name: str) -> WorkflowSpec | None:
    """The declaration of an installed workflow, or None."""
    return _REGISTRY.get(name)


def all_specs() -> list[WorkflowSpec]:
    """Every installed workflow's declaration, by name."""
    return sorted(_REGISTRY.values(), key=lambda spec: spec.name)


def workflow_queues() -> list[str]:
    """The queues the installed workflows run on."""
    return sorted({spec.queue for spec in _REGISTRY.values()})


def route(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any
) -> dict[str, str] | None:
    """Celery task router (CELERY_TASK_ROUTES): each workflow goes to its own queue,
    so that a long purge cannot starve tracking."""
    if name.startswith("workflow."):
        spec = _REGISTRY.get(name.removeprefix("workflow."))
        if spec is not None:
            return {"queue": spec.queue}
    return None
