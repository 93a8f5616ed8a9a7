"""What a workflow function receives (RunContext) and the error it raises to fail
with a readable one-line reason (WorkflowError)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .choices import LogLevel
from .models import Workflow, WorkflowLog, WorkflowRun


class WorkflowError(Exception):
    """A failure whose message is already a readable one-line reason."""


def one_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type for a WorkflowError-less one)."""
    if isinstance(exc, WorkflowError):
        text = str(exc)
    else:
        text = f"{type(exc).__name__}: {exc}"
    return (text.strip().splitlines() or [type(exc).__name__])[0][:480]


class RunContext:
    """The run's `now`, its journal (log, warning) and its metrics (count)."""

    def __init__(self, workflow: Workflow, run: WorkflowRun, now: datetime) -> None:
        self.workflow = workflow
        self.run = run
        self.now = now
        self.metrics: dict[str, Any] = {}

    def log(self, message: str, level: str = LogLevel.INFO) -> None:
        line = WorkflowLog.objects.write(self.workflow, message, run=self.run, level=level)
        WorkflowRun.objects.filter(pk=self.run.pk).update(heartbeat_at=line.created_at)

    def warning(self, message: str) -> None:
        self.log(message, LogLevel.WARNING)

    def count(self, key: str, amount: int = 1) -> None:
        self.metrics[key] = self.metrics.get(key, 0) + amount
