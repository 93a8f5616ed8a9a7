"""aliasCleansing through the engine and the command line: declared at 03:00, journal
lines per field, `run_workflow aliasCleansing --option full-hits`, options refused or
ignored with a clear line (campaign.run_options)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from campaign import run_options
from campaign.aliases.choices import HitsMode
from campaign.aliases.models import CleansingRun
from workflows.api import RunStatus, Trigger, Workflow, WorkflowError, WorkflowRun, run_by_name

from .conftest import column, recipients

pytestmark = pytest.mark.django_db


def run_command(*args):
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("run_workflow", *args, stdout=out)
    return exit_info.value.code, out.getvalue()


def test_the_workflow_is_installed_daily_at_3(db):
    workflow = Workflow.objects.get(name="aliasCleansing")
    assert workflow.default_crontab == "0 3 * * *"
    assert workflow.periodic_task.crontab.hour == "3" and workflow.periodic_task.crontab.minute == "0"


def test_a_run_journals_each_field_and_keeps_its_metrics(catalog):
    catalog.alias(catalog.country, "FR", "France")
    recipients("country", ["fr", "Espagne"])

    run = run_by_name("aliasCleansing", trigger=Trigger.COMMAND)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.metrics["rows_rewritten"] == 1 and run.metrics["values_collected"] == 1
    journal = list(run.journal.values_list("message", flat=True))
    assert "Hits: incremental since the last run" in journal
    assert (
        "campaign.Recipient.country (enumeration country): 1 values collected, 1 rows rewritten, "
        "hits updated for 2 aliases" in journal
    )
    assert any(
        line.startswith("campaign.Recipient.company_type (enumeration company_type): 0") for line in journal
    )
    cleansing_run = CleansingRun.objects.get()
    assert cleansing_run.workflow_run_id == run.pk and cleansing_run.hits_mode == HitsMode.INCREMENTAL


def test_run_workflow_with_the_full_hits_option(catalog):
    recipients("country", ["fr"])
    code, out = run_command("aliasCleansing", "--option", "full-hits", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["metrics"]["full_hits"] == 1
    assert CleansingRun.objects.get().hits_mode == HitsMode.FULL
    run = WorkflowRun.objects.get(pk=payload["run"])
    assert "Hits: recounted in full" in list(run.journal.values_list("message", flat=True))


def test_an_unknown_option_fails_the_run_with_one_line_and_changes_nothing(catalog):
    catalog.alias(catalog.country, "FR", "France")
    recipients("country", ["fr"])
    code, out = run_command("aliasCleansing", "--option", "fullhits")
    assert code == 1
    assert "reason: unknown option fullhits; this workflow accepts: full-hits (recount the hits" in out
    assert column("country") == ["fr"] and not CleansingRun.objects.exists()


def test_a_workflow_that_reads_no_option_warns_that_it_ignored_them(db):
    code, out = run_command("cleanupPausedWorkflows", "--option", "full-hits")
    assert code == 0
    assert "warning: cleanupPausedWorkflows reads no option; ignored: full_hits" in out


def test_a_badly_written_option_is_a_usage_error(db):
    with pytest.raises(CommandError, match="bad option '=1'"):
        call_command("run_workflow", "aliasCleansing", "--option", "=1")


def test_options_are_parsed_and_given_only_inside_the_run():
    assert run_options.parse(["full-hits", "Mode=fast", "n = 3"]) == {
        "full_hits": "true",
        "mode": "fast",
        "n": "3",
    }
    assert run_options.given({"full_hits": "…"}) == {}  # outside a command run
    with run_options.passing({"full_hits": "true"}) as passed:
        assert run_options.flag(run_options.given({"full_hits": "…"}), "full_hits")
        assert passed.read
    with run_options.passing({"x": "1"}), pytest.raises(WorkflowError, match="unknown option x"):
        run_options.given({"full_hits": "…"})


def test_the_dry_run_says_what_a_run_would_do(catalog):
    catalog.alias(catalog.country, "FR", "France")
    recipients("country", ["fr", "FR"])
    out = StringIO()
    call_command("run_workflow", "aliasCleansing", "--dry-run", stdout=out)
    assert (
        "campaign.Recipient.country (enumeration country): 2 rows to rewrite, 0 new spellings"
        in out.getvalue()
    )
    assert column("country") == ["fr", "FR"]
