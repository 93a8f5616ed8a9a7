"""offerMgt through the engine: hourly, right after an approval, the "deploy again"
flag when an approval lands during a run, the follow-up after a run, the dry run."""

import json

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from offers import deployment, tasks, triggers
from offers.choices import OfferStatus
from offers.models import Offer
from workflows.api import RunStatus, Trigger, Workflow, WorkflowLog, WorkflowRun, get_spec, run_by_name

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow():
    return Workflow.objects.get(name="offerMgt")


@pytest.fixture
def followed(monkeypatch):
    """The follow-ups scheduled (instead of sending them to the broker)."""
    calls = []
    monkeypatch.setattr(triggers, "follow_up", lambda: calls.append("follow-up"))
    return calls


def journal(run):
    return [line.message for line in WorkflowLog.objects.filter(run=run).order_by("id")]


def test_it_is_declared_hourly_in_the_deliveries_module(workflow):
    spec = get_spec("offerMgt")
    assert spec.crontab == "0 * * * *"
    with translation.override("en"):
        assert str(spec.label) == "Offer notification"
    with translation.override("fr"):
        assert str(spec.label) == "Notification des offres"  # DESIGN §1's pair
    assert workflow.periodic_task.crontab.minute == "0" and workflow.periodic_task.crontab.hour == "*"


def test_a_run_deploys_then_a_second_run_says_there_is_nothing_new(catalog):
    root = catalog.category("Root")
    catalog.approve(catalog.offer("spring", root))
    first = run_by_name("offerMgt", trigger=Trigger.SCHEDULE)  # the hourly run
    assert first.status == RunStatus.SUCCEEDED
    assert first.metrics["offers_published"] == 1 and first.metrics["passes"] == 1
    assert Offer.objects.active_live().filter(code="spring").exists()

    second = run_by_name("offerMgt")  # the same slot again would be skipped: from the command line
    assert second.status == RunStatus.SUCCEEDED and second.metrics == {"passes": 1, "changes": 0}
    assert any("nothing to deploy" in line for line in journal(second))


def test_an_approval_queues_a_run_through_the_engine(catalog, workflow, django_capture_on_commit_callbacks):
    root = catalog.category("Root")
    offer = catalog.offer("summer", root)
    catalog.approve(offer, kinds=("content",))
    assert triggers.pending_requests() == 0  # half approved: nothing to deploy yet
    with django_capture_on_commit_callbacks(execute=True):
        catalog.approve(offer)
    assert triggers.pending_requests() == 1
    queued = WorkflowRun.objects.get(workflow=workflow)
    assert (queued.status, queued.trigger, queued.triggered_by) == (
        RunStatus.QUEUED,
        Trigger.EVENT,
        catalog.approver,
    )
    # What a worker does with the message: the queued run deploys the offer.
    get_spec("offerMgt").task.apply(kwargs={"trigger": Trigger.EVENT, "run_id": queued.pk})
    queued.refresh_from_db()
    assert queued.status == RunStatus.SUCCEEDED
    assert catalog.live_copy(offer).status == OfferStatus.LIVE
    assert triggers.pending_requests() == 0


def test_an_approval_during_a_run_is_deployed_by_that_run_going_round_again(
    catalog, workflow, followed, monkeypatch, django_capture_on_commit_callbacks
):
    """The hourly run and an approval at the same time: one deployment of the offer."""
    root = catalog.category("Root")
    early = catalog.approve(catalog.offer("early", root))
    late = catalog.offer("late", root)
    catalog.approve(late, kinds=("content",))
    real_deploy = deployment.deploy
    passes = []

    def deploy_with_an_approval_landing(now):
        counts = real_deploy(now)
        passes.append(counts)
        if len(passes) == 1:  # the approval lands while the hourly run works
            with django_capture_on_commit_callbacks(execute=True):
                catalog.approve(late)
        return counts

    monkeypatch.setattr(deployment, "deploy", deploy_with_an_approval_landing)
    run = run_by_name("offerMgt", trigger=Trigger.SCHEDULE)

    assert run.status == RunStatus.SUCCEEDED and run.metrics["passes"] == 2
    assert [counts.offers_published for counts in passes] == [1, 1]
    # The approval's own request was refused by the engine (a run holds the workflow),
    # recorded as skipped, and a follow-up was scheduled for the run's last instant.
    skipped = WorkflowRun.objects.get(workflow=workflow, status=RunStatus.SKIPPED)
    assert skipped.trigger == Trigger.EVENT and f"run #{run.pk} is already running" in skipped.error
    assert followed == ["follow-up"]
    assert any("deploying again" in line for line in journal(run))
    # Each offer went live once; the follow-up finds nothing left to do.
    assert Offer.objects.live().filter(code__in=["early", "late"]).count() == 2
    assert catalog.live_copy(early).deployed_at == catalog.live_copy(late).deployed_at
    assert triggers.deploy_if_requested() == "nothing"
    assert WorkflowRun.objects.filter(workflow=workflow, status=RunStatus.QUEUED).count() == 0


def test_a_request_after_the_runs_last_look_is_taken_by_the_follow_up(catalog, workflow):
    now = timezone.now()  # a live heartbeat: the run is not reaped as abandoned
    running = WorkflowRun.objects.create(
        workflow=workflow,
        trigger=Trigger.SCHEDULE,
        status=RunStatus.RUNNING,
        created_at=now,
        heartbeat_at=now,
    )
    triggers.raise_flag(catalog.approver, NOW, "offer x approved")
    assert triggers.deploy_if_requested() == "busy"  # the run still holds the workflow
    WorkflowRun.objects.filter(pk=running.pk).update(status=RunStatus.SUCCEEDED, finished_at=now)
    assert triggers.deploy_if_requested() == RunStatus.QUEUED
    queued = WorkflowRun.objects.get(workflow=workflow, status=RunStatus.QUEUED)
    assert queued.trigger == Trigger.EVENT


def test_the_follow_up_task_retries_while_the_workflow_is_busy(monkeypatch):
    outcomes = iter(["busy", "queued"])
    monkeypatch.setattr(triggers, "deploy_if_requested", lambda: next(outcomes))
    with pytest.raises(Exception) as raised:
        tasks.deploy_when_idle.apply(throw=True)
    assert "Retry" in type(raised.value).__name__
    assert tasks.deploy_when_idle.apply().result == "queued"


def test_a_paused_offer_mgt_keeps_the_request_for_its_next_run(
    catalog, workflow, django_capture_on_commit_callbacks
):
    Workflow.objects.filter(pk=workflow.pk).update(state="paused")
    root = catalog.category("Root")
    with django_capture_on_commit_callbacks(execute=True):
        catalog.approve(catalog.offer("paused", root))
    assert not WorkflowRun.objects.filter(workflow=workflow).exists()
    assert triggers.pending_requests() == 1


def test_the_dry_run_says_what_a_run_would_deploy_and_changes_nothing(catalog, capsys):
    root = catalog.category("Root")
    catalog.approve(catalog.offer("dry", root))
    call_command("run_workflow", "offerMgt", "--dry-run", "--json")
    output = json.loads(capsys.readouterr().out)
    assert output["status"] == "ok" and "offers: 1 published" in output["preview"]
    assert not Offer.objects.live().exists()
    run_by_name("offerMgt")
    call_command("run_workflow", "offerMgt", "--dry-run")
    assert "Nothing to deploy" in capsys.readouterr().out
