"""manage.py run_workflow: same ledger, exit codes, JSON."""

import json

import pytest
from django.core.management import CommandError, call_command

from workflows.choices import RunStatus, Trigger
from workflows.models import Workflow, WorkflowRun

pytestmark = pytest.mark.django_db


def run_command(*args):
    from io import StringIO

    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("run_workflow", *args, stdout=out)
    return exit_info.value.code, out.getvalue()


def test_it_runs_through_the_ledger_and_prints_json():
    code, out = run_command("cleanupPausedWorkflows", "--json")
    payload = json.loads(out)
    assert code == 0
    assert payload["status"] == "succeeded"
    assert payload["metrics"]["paused_too_long"] == 0
    run = WorkflowRun.objects.get(pk=payload["run"])
    assert run.trigger == Trigger.COMMAND and run.status == RunStatus.SUCCEEDED


def test_it_exits_3_when_another_run_holds_the_workflow():
    from django.utils import timezone

    workflow = Workflow.objects.get(name="cleanupPausedWorkflows")
    now = timezone.now()
    WorkflowRun.objects.create(
        workflow=workflow,
        trigger=Trigger.SCHEDULE,
        status=RunStatus.RUNNING,
        created_at=now,
        heartbeat_at=now,
    )
    code, out = run_command("cleanupPausedWorkflows")
    assert code == 3
    assert "skipped" in out and "already running" in out


def test_an_unknown_workflow_is_a_clear_error():
    with pytest.raises(CommandError, match="Unknown workflow 'nope'"):
        call_command("run_workflow", "nope")
