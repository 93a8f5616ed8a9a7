"""The offer catalog's purge steps in cleanup: propositions by age, deactivated live
offers after the proposition retention (Adobe §8), the audit trail by its setting."""

from datetime import timedelta

import pytest

from campaign import cleanup, configuration
from campaign.choices import ProfileTable
from campaign.models import RetentionPeriod
from offers import approvals
from offers.models import Offer, OfferAudit, OfferContent, Proposition

from .conftest import NOW

pytestmark = pytest.mark.django_db


def run(step, now):
    lines = []
    metrics = {}
    cleanup.run_steps(now, log=lines.append, metrics=metrics, only=(step,))
    return metrics, lines


@pytest.fixture
def retired(catalog):
    """Two live offers deactivated at NOW; one still named by a proposition."""
    root = catalog.category("Root")
    banner = catalog.space("Banner")
    offers = [
        catalog.approve(catalog.offer(code, root, contents=[(banner, "x")])) for code in ("old", "kept")
    ]
    catalog.deploy()
    for offer in offers:
        approvals.set_enabled(offer.pk, False, catalog.approver, NOW)
    catalog.deploy(NOW)
    kept = catalog.live_copy(offers[1])
    Proposition.objects.create(
        offer=kept, profile_table=ProfileTable.RECIPIENT, profile_id=1, proposed_at=NOW + timedelta(days=1)
    )
    catalog.retired = [catalog.live_copy(offer) for offer in offers]
    return catalog


def test_deactivated_live_offers_go_after_the_proposition_retention(retired):
    old, kept = retired.retired
    metrics, _ = run("deactivated_live_offers", NOW + timedelta(days=359))
    assert metrics["deactivated_live_offers_rows"] == 0
    metrics, lines = run("deactivated_live_offers", NOW + timedelta(days=361))
    assert not Offer.objects.filter(pk=old.pk).exists()
    assert not OfferContent.objects.filter(offer_id=old.pk).exists()
    assert Offer.objects.filter(pk=kept.pk).exists()  # a proposition still names it
    assert metrics["deactivated_live_offers_rows"] == 2  # its content, then the offer
    assert "deactivated live offers 1" in lines[-1]
    # The design offers and the active catalog are untouched.
    assert Offer.objects.design().count() == 2


def test_deactivated_live_offers_are_kept_forever_without_a_proposition_retention(retired):
    RetentionPeriod.objects.update_or_create(key="propositions", defaults={"days": None})
    _, lines = run("deactivated_live_offers", NOW + timedelta(days=3650))
    assert Offer.objects.live().count() == 2 and "kept forever" in lines[-1]


def test_the_audit_trail_is_purged_by_its_setting(catalog, offer_manager):
    offer = catalog.offer("audited", catalog.category("Root"))
    OfferAudit.objects.filter(offer=offer).update(at=NOW - timedelta(days=200))
    approvals.audit(offer, "edited", offer_manager, NOW)
    run("offer_audit", NOW)
    assert list(OfferAudit.objects.values_list("at", flat=True)) == [NOW]
    configuration.save({"offers.audit_trail_days": None}, offer_manager, NOW)
    OfferAudit.objects.update(at=NOW - timedelta(days=5000))
    _, lines = run("offer_audit", NOW)
    assert OfferAudit.objects.count() == 1 and "kept forever" in lines[-1]


def test_the_propositions_step_purges_by_age(retired):
    Proposition.objects.update(proposed_at=NOW - timedelta(days=400))
    run("propositions", NOW)
    assert not Proposition.objects.exists()
