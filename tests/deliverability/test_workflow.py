"""deliverabilityUpdate through the engine: not installed, it changes nothing and says
so; installed, it stamps the successes, then refreshes the ruleset."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaign.choices import LogStatus, QuarantineStatus
from campaign.deliverability.models import Pointer, QualificationRule, RulesetState
from campaign.models import Channel, Quarantine
from workflows.api import Module, RunStatus, Workflow, WorkflowLog, get_spec, run_by_name

from .conftest import settings, settle_logs

pytestmark = pytest.mark.django_db(transaction=True)

WORKFLOW = "deliverabilityUpdate"


@pytest.fixture(autouse=True)
def trust_the_test_authority(authority, tmp_path, monkeypatch):
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))


def journal(run):
    return [line.message for line in WorkflowLog.objects.filter(run=run).order_by("id")]


def test_it_is_declared_nightly_at_half_past_three():
    spec = get_spec(WORKFLOW)
    assert spec.crontab == "30 3 * * *" and spec.module == Module.DELIVERABILITY
    assert Workflow.objects.filter(name=WORKFLOW).exists()


def test_not_installed_it_changes_nothing_and_says_so(world):
    entry = Quarantine.objects.create(
        address="a@example.com",
        channel=Channel.objects.get(code="email"),
        status=QuarantineStatus.WITH_ERRORS,
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    world.log(
        world.delivery(), "a@example.com", timezone.now() - timedelta(hours=1), status=LogStatus.DELIVERED
    )
    settings(feed_url="https://127.0.0.1:9/ruleset.json")  # would fail if it were read
    rules_before = list(QualificationRule.objects.values_list("pk", "updated_at"))
    run = run_by_name(WORKFLOW)
    assert run.status == RunStatus.SUCCEEDED
    assert run.metrics == {"skipped": 1}
    assert any("The Deliverability module is not installed" in line for line in journal(run))
    assert list(QualificationRule.objects.values_list("pk", "updated_at")) == rules_before
    assert not Pointer.objects.exists()
    entry.refresh_from_db()
    assert entry.last_success_at is None


def test_installed_it_stamps_successes_then_refreshes_the_ruleset(install, ruleset_server, world):
    entry = Quarantine.objects.create(
        address="a@example.com",
        channel=Channel.objects.get(code="email"),
        status=QuarantineStatus.WITH_ERRORS,
        last_error_at=timezone.now() - timedelta(days=2),
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    delivered = timezone.now() - timedelta(hours=1)
    world.log(world.delivery(), "a@example.com", delivered, status=LogStatus.DELIVERED)
    install(feed_url=ruleset_server.url)
    settle_logs()
    run = run_by_name(WORKFLOW)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.metrics["last_successes_stamped"] == 1 and run.metrics["change_order_read_up_to"] > 0
    assert run.metrics["rules_unchanged"] > 0  # the server serves the shipped ruleset
    lines = journal(run)
    assert any(line.startswith("Successes: delivery logs") for line in lines)
    assert any(line.startswith("Ruleset ") and " applied: " in line for line in lines)
    entry.refresh_from_db()
    assert entry.last_success_at == delivered
    assert RulesetState.load().source == ruleset_server.url
    # cleanup, the same night, releases it.
    assert run_by_name("cleanup").status == RunStatus.SUCCEEDED
    entry.refresh_from_db()
    assert entry.status == QuarantineStatus.VALID
