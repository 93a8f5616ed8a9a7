"""The approval cycle: content and eligibility approvals, who and when, the audit trail,
re-initialize, edits sending approvals back, disable/enable, refusals."""

import pytest

from offers import approvals, triggers
from offers.approvals import Refused, design_status
from offers.choices import Approval, AuditAction, OfferStatus
from offers.models import OfferAudit

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(catalog):
    return catalog.offer("autumn", catalog.category("Root"))


def trail(offer):
    return list(
        OfferAudit.objects.filter(offer=offer).order_by("id").values_list("action", "version", "by__username")
    )


@pytest.mark.parametrize(
    "content, eligibility, disabled, status",
    [
        (Approval.PENDING, Approval.PENDING, False, OfferStatus.EDITION),
        (Approval.APPROVED, Approval.PENDING, False, OfferStatus.PENDING_APPROVAL),
        (Approval.PENDING, Approval.APPROVED, False, OfferStatus.PENDING_APPROVAL),
        (Approval.APPROVED, Approval.REJECTED, False, OfferStatus.REJECTED),
        (Approval.APPROVED, Approval.APPROVED, False, OfferStatus.APPROVED),
        (Approval.APPROVED, Approval.APPROVED, True, OfferStatus.DISABLED),
    ],
)
def test_the_status_follows_the_two_approvals(content, eligibility, disabled, status):
    assert design_status(content, eligibility, disabled) == status


def test_both_approvals_are_recorded_with_who_and_when_and_request_a_deployment(catalog, offer):
    approvals.decide(offer.pk, "content", Approval.APPROVED, catalog.approver, NOW, version=1, comment="ok")
    offer.refresh_from_db()
    assert (offer.content_approval, offer.content_decided_by, offer.content_decided_at) == (
        Approval.APPROVED,
        catalog.approver,
        NOW,
    )
    assert offer.status == OfferStatus.PENDING_APPROVAL and triggers.pending_requests() == 0
    approvals.decide(offer.pk, "eligibility", Approval.APPROVED, catalog.approver, NOW, version=1)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.APPROVED
    assert (offer.approved_by, offer.approved_at) == (catalog.approver, NOW)
    assert triggers.pending_requests() == 1
    assert trail(offer) == [
        (AuditAction.CREATED, 1, "olga"),
        (AuditAction.CONTENT_APPROVED, 1, "olga"),
        (AuditAction.ELIGIBILITY_APPROVED, 1, "olga"),
    ]
    assert OfferAudit.objects.get(action=AuditAction.CONTENT_APPROVED).comment == "ok"


def test_a_rejection_then_an_approval_of_the_same_version(catalog, offer):
    approvals.decide(offer.pk, "content", Approval.REJECTED, catalog.approver, NOW, version=1)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.REJECTED
    approvals.decide(offer.pk, "content", Approval.APPROVED, catalog.approver, NOW, version=1)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.PENDING_APPROVAL


@pytest.mark.parametrize(
    "setup, call, message",
    [
        (None, ("content", Approval.APPROVED, 2), "changed since you opened it"),
        ("approved", ("content", Approval.APPROVED, 1), "already approved"),
        ("approved", ("content", Approval.REJECTED, 1), "edit the offer or re-initialize"),
        ("disabled", ("content", Approval.APPROVED, 1), "is disabled"),
        (None, ("content", Approval.PENDING, 1), "Re-initialize"),
    ],
)
def test_a_decision_that_cannot_apply_is_refused_and_changes_nothing(catalog, offer, setup, call, message):
    if setup == "approved":
        approvals.decide(offer.pk, "content", Approval.APPROVED, catalog.approver, NOW, version=1)
    if setup == "disabled":
        approvals.set_enabled(offer.pk, False, catalog.approver, NOW)
    offer.refresh_from_db()
    before = (offer.content_approval, offer.status, offer.version, OfferAudit.objects.count())
    kind, decision, version = call
    with pytest.raises(Refused, match=message):
        approvals.decide(offer.pk, kind, decision, catalog.approver, NOW, version=version)
    offer.refresh_from_db()
    assert (offer.content_approval, offer.status, offer.version, OfferAudit.objects.count()) == before


def test_reinitialize_resets_both_approvals_and_is_audited(catalog, offer):
    catalog.approve(offer)
    approvals.reinitialize(offer.pk, catalog.approver, NOW, version=1, comment="new season")
    offer.refresh_from_db()
    assert offer.content_approval == offer.eligibility_approval == Approval.PENDING
    assert offer.status == OfferStatus.EDITION and offer.approved_by is None
    assert offer.content_decided_at is None and offer.eligibility_decided_by is None
    assert trail(offer)[-1] == (AuditAction.REINITIALIZED, 1, "olga")
    with pytest.raises(Refused, match="already pending"):
        approvals.reinitialize(offer.pk, catalog.approver, NOW, version=1)


@pytest.mark.parametrize(
    "fields, content, eligibility",
    [
        ({"label": "Autumn sale"}, Approval.PENDING, Approval.APPROVED),
        ({"content": "New text"}, Approval.PENDING, Approval.APPROVED),
        ({"weight": 7}, Approval.APPROVED, Approval.PENDING),
        ({"target": {"field": "country", "op": "eq", "value": "BE"}}, Approval.APPROVED, Approval.PENDING),
        ({"label": "Both", "weight": 2}, Approval.PENDING, Approval.PENDING),
    ],
)
def test_editing_an_approved_offer_sends_the_approvals_it_concerns_back(
    catalog, offer, fields, content, eligibility
):
    catalog.approve(offer)
    edited = catalog.edit(offer, **fields)
    assert (edited.content_approval, edited.eligibility_approval, edited.version) == (content, eligibility, 2)
    assert edited.status != OfferStatus.APPROVED and edited.approved_at is None
    action, version, _who = trail(edited)[-1]
    assert (action, version) == (AuditAction.EDITED, 2)  # the version the edit made
    assert "approvals reset: " in OfferAudit.objects.filter(offer=edited).latest("id").detail


def test_disable_and_enable_are_audited_and_refused_twice(catalog, offer):
    approvals.set_enabled(offer.pk, False, catalog.approver, NOW)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DISABLED
    with pytest.raises(Refused, match="already disabled"):
        approvals.set_enabled(offer.pk, False, catalog.approver, NOW)
    approvals.set_enabled(offer.pk, True, catalog.approver, NOW)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EDITION
    assert [line[0] for line in trail(offer)] == [
        AuditAction.CREATED,
        AuditAction.DISABLED,
        AuditAction.ENABLED,
    ]


def test_a_deleted_offer_keeps_its_trail_with_its_code(catalog, offer):
    catalog.approve(offer)
    catalog.deploy()
    approvals.record_deletion(offer, catalog.approver, NOW)
    offer.delete()
    lines = OfferAudit.objects.filter(offer_code="autumn").order_by("id")
    assert [line.action for line in lines][-1] == AuditAction.DELETED
    assert all(line.offer_id is None for line in lines)
    assert triggers.pending_requests() == 2  # the approval, then the deletion of a live offer
