"""The offer tables of `generate_data` (offers/datagen.py) look like a running platform:
the live catalog is what offerMgt would have deployed, approvals match statuses,
contents and the audit trail are there, propositions carry their channel, and a first
cleanup purges only a small share of the trail."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Count, F, Q

from campaign.devtools import datagen
from offers import deployment
from offers.choices import Approval, AuditAction, EnvironmentKind, OfferStatus, PropositionStatus
from offers.models import Category, Environment, Offer, OfferAudit, OfferContent, OfferSpace, Proposition

# Each test generates the demo data set: left out of make quick.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def generated():
    return datagen.generate(datagen.preset_counts("demo"), seed=5, now=NOW)


def test_the_live_catalog_is_what_offer_mgt_would_have_deployed(generated):
    plan = deployment.plan(NOW)
    waiting = Offer.objects.design().filter(status=OfferStatus.APPROVED).count()
    assert waiting > 0 and plan.offers_published == waiting  # approved in the last two hours
    assert plan.total == waiting  # nothing else differs: categories, spaces, live offers
    assert not OfferSpace.objects.live().filter(design_space=None).exists()
    assert Environment.objects.filter(
        profile_table="cookie", kind=EnvironmentKind.DESIGN, live__isnull=False
    ).exists()


def test_approvals_match_the_statuses(generated):
    design = Offer.objects.design()
    expected = {
        OfferStatus.EDITION: (Approval.PENDING, Approval.PENDING),
        OfferStatus.PENDING_APPROVAL: (Approval.APPROVED, Approval.PENDING),
        OfferStatus.REJECTED: (Approval.APPROVED, Approval.REJECTED),
        OfferStatus.APPROVED: (Approval.APPROVED, Approval.APPROVED),
        OfferStatus.LIVE: (Approval.APPROVED, Approval.APPROVED),
        OfferStatus.DISABLED: (Approval.PENDING, Approval.PENDING),
    }
    found = set(design.values_list("status", "content_approval", "eligibility_approval"))
    assert found == {(status, *approvals) for status, approvals in expected.items()}
    assert not design.filter(content_approval=Approval.APPROVED, content_decided_at=None).exists()
    assert not design.filter(status=OfferStatus.LIVE, approved_at=None).exists()
    live = Offer.objects.live()
    assert not live.exclude(version=F("design_offer__version")).exists()
    assert not live.exclude(deployed_at__gte=F("approved_at")).exists()
    assert (
        design.filter(target__isnull=False).exists()
        and Category.objects.filter(target__isnull=False).exists()
    )


def test_contents_are_per_space_in_their_own_environment(generated):
    contents = OfferContent.objects.select_related("offer__environment", "space__environment")
    assert not contents.exclude(offer__environment=F("space__environment")).exists()
    for copy in Offer.objects.live().annotate(n=Count("contents")):
        assert copy.n == OfferContent.objects.filter(offer_id=copy.design_offer_id).count() > 0


def test_the_audit_trail_is_mostly_recent(generated):
    design = Offer.objects.design()
    assert OfferAudit.objects.filter(action=AuditAction.CREATED).count() == design.count()
    decided = design.filter(content_approval=Approval.APPROVED).count()
    assert OfferAudit.objects.filter(action=AuditAction.CONTENT_APPROVED).count() == decided
    old = OfferAudit.objects.filter(at__lt=NOW - timedelta(days=180)).count()
    assert 0 < old < OfferAudit.objects.count() * 0.35  # a first cleanup purges a small share


def test_propositions_carry_their_channel_and_status_time(generated):
    propositions = Proposition.objects.all()
    assert propositions.exists() and not propositions.filter(channel=None).exists()
    assert not propositions.exclude(delivery=None).exclude(channel=F("delivery__channel")).exists()
    generated_only = Q(status=PropositionStatus.GENERATED)
    assert not propositions.filter(generated_only, updated_at__isnull=False).exists()
    assert not propositions.exclude(generated_only).filter(updated_at=None).exists()
    assert not propositions.filter(updated_at__lt=F("proposed_at")).exists()


def test_a_deployment_right_after_the_generation_publishes_the_waiting_offers_only(generated):
    waiting = Offer.objects.design().filter(status=OfferStatus.APPROVED).count()
    counts = deployment.deploy(NOW)
    assert (
        counts.offers_published == waiting
        and counts.total - counts.offers_approved - counts.contents_written == waiting
    )
    assert deployment.plan(NOW).total == 0
