"""`manage.py runall`: the worker's queues come from the declarations (the installed
workflows, then the worker queues the apps declare); --queues overrides them."""

import signal

import pytest
from django.core.management import CommandError, call_command

from campaign.management.commands import runall
from workflows import plugins
from workflows.plugins import WorkerQueue
from workflows.registry import workflow_queues


class ExitingChild:
    """Stands for a started process that exits at once (runall then stops the others)."""

    started = []

    def __init__(self, argv, **options):
        self.argv, self.pid, self.returncode = argv, 2**22 + 1, 0  # above any real pid: nothing to signal
        ExitingChild.started.append(argv)

    def poll(self):
        return 0

    def wait(self, timeout=None):
        return 0


@pytest.fixture
def started(monkeypatch):
    ExitingChild.started = []
    monkeypatch.setattr(runall.subprocess, "Popen", ExitingChild)
    monkeypatch.setattr(signal, "signal", lambda signum, handler: None)  # keep pytest's handlers
    return ExitingChild.started


def worker_queues(argv_list):
    worker = next(argv for argv in argv_list if "worker" in argv)
    return worker[worker.index("--queues") + 1]


def test_the_worker_consumes_the_workflow_queues_then_the_declared_worker_queues(monkeypatch, started):
    declared_by_apps = [queue.name for queue in plugins.queues()]  # the test app's "probe"
    assert runall.declared_queues() == [*workflow_queues(), *declared_by_apps] and "long" in workflow_queues()
    monkeypatch.setattr(plugins, "queues", lambda: [WorkerQueue("mail"), WorkerQueue("long")])
    assert runall.declared_queues() == [*workflow_queues(), "mail"]
    with pytest.raises(CommandError, match="exited"):
        call_command("runall")
    assert worker_queues(started) == ",".join([*workflow_queues(), "mail"])


def test_queues_given_on_the_command_line_replace_the_declared_ones(started):
    with pytest.raises(CommandError, match="exited"):
        call_command("runall", "--queues", "only-this")
    assert worker_queues(started) == "only-this"
