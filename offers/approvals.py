"""The approval cycle of design offers (Adobe §8): content approval and eligibility
approval, each approved or rejected by someone with the right; "Re-initialize approval"
resets both; an edit sends the approvals it concerns back to pending; disabling takes
the offer out of live. Every change is compare-and-set on the version (and the state)
the operator saw, and leaves a line in the offer's audit trail.

When both approvals are granted the offer is "approved", and a deployment is requested
at once (offers.triggers): offerMgt publishes it within a minute.
"""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from . import triggers
from .choices import Approval, ApprovalKind, AuditAction, OfferStatus
from .models import Offer, OfferAudit

# Which approval an edit of a field sends back to pending (the contents per space are
# content too).
CONTENT_FIELDS = ("label", "content")
ELIGIBILITY_FIELDS = ("category", "weight", "valid_from", "valid_until", "target")

# How the operator's messages name each approval.
KIND_NAMES = {
    ApprovalKind.CONTENT: gettext_lazy("content approval"),
    ApprovalKind.ELIGIBILITY: gettext_lazy("eligibility approval"),
}

DECISIONS = {
    (ApprovalKind.CONTENT, Approval.APPROVED): AuditAction.CONTENT_APPROVED,
    (ApprovalKind.CONTENT, Approval.REJECTED): AuditAction.CONTENT_REJECTED,
    (ApprovalKind.ELIGIBILITY, Approval.APPROVED): AuditAction.ELIGIBILITY_APPROVED,
    (ApprovalKind.ELIGIBILITY, Approval.REJECTED): AuditAction.ELIGIBILITY_REJECTED,
}


class Refused(Exception):
    """An approval action that cannot apply; the message says why, for the operator."""


def design_status(content, eligibility, disabled=False):
    """The status of a design offer from its two approvals."""
    if disabled:
        return OfferStatus.DISABLED
    if Approval.REJECTED in (content, eligibility):
        return OfferStatus.REJECTED
    if content == Approval.APPROVED and eligibility == Approval.APPROVED:
        return OfferStatus.APPROVED
    if Approval.APPROVED in (content, eligibility):
        return OfferStatus.PENDING_APPROVAL
    return OfferStatus.EDITION


def audit(offer, action, user, now, *, version=None, detail="", comment=""):
    return OfferAudit.objects.create(
        offer=offer if offer.pk else None,
        offer_code=offer.code,
        action=action,
        version=version or offer.version,
        by=user if user is not None and user.pk else None,
        at=now,
        detail=str(detail)[:300],
        comment=comment,
    )


def has_live_copy(offer):
    return Offer.objects.active_live().filter(design_offer=offer).exists()


def _locked(offer_id, version=None):
    """The design offer, locked until the end of the transaction; Refused when it is
    gone or changed since the operator saw `version`."""
    offer = Offer.objects.design().select_for_update().filter(pk=offer_id).first()
    if offer is None:
        raise Refused(_("This offer no longer exists."))
    if version is not None and offer.version != version:
        raise Refused(
            _(
                "Offer %(code)s changed since you opened it (version %(seen)s, now %(now)s): "
                "review it again before deciding."
            )
            % {"code": offer.code, "seen": version, "now": offer.version}
        )
    return offer


def _apply(offer, expected, **changes):
    """Compare-and-set: write `changes` only if the row still has the `expected` values."""
    updated = Offer.objects.filter(pk=offer.pk, **expected).update(**changes)
    if updated != 1:
        raise Refused(
            _("Offer %(code)s was changed by someone else meanwhile: try again.") % {"code": offer.code}
        )
    for name, value in changes.items():
        setattr(offer, name, value)


def decide(offer_id, kind, decision, user, now, *, version, comment=""):
    """Approve or reject one approval of the version the approver saw. A granted
    approval is changed only by an edit or by re-initializing; a rejected one may still
    be approved. Returns the offer."""
    kind, decision = ApprovalKind(kind), Approval(decision)
    if decision == Approval.PENDING:
        raise Refused(_("Use “Re-initialize approval” to reset approvals."))
    with transaction.atomic():
        offer = _locked(offer_id, version)
        if offer.status == OfferStatus.DISABLED:
            raise Refused(_("Offer %(code)s is disabled: enable it before deciding.") % {"code": offer.code})
        field = f"{kind}_approval"
        current = getattr(offer, field)
        if current == decision:
            raise Refused(
                _("The %(kind)s of offer %(code)s is already %(state)s.")
                % {"kind": KIND_NAMES[kind], "code": offer.code, "state": str(decision.label).lower()}
            )
        if current == Approval.APPROVED:
            raise Refused(
                _(
                    "The %(kind)s of offer %(code)s is granted: edit the offer or re-initialize "
                    "the approval first."
                )
                % {"kind": KIND_NAMES[kind], "code": offer.code}
            )
        content = decision if kind == ApprovalKind.CONTENT else offer.content_approval
        eligibility = decision if kind == ApprovalKind.ELIGIBILITY else offer.eligibility_approval
        status = design_status(content, eligibility)
        changes = {
            field: decision,
            f"{kind}_decided_by": user,
            f"{kind}_decided_at": now,
            "status": status,
        }
        if status == OfferStatus.APPROVED:
            changes.update(approved_by=user, approved_at=now)
        _apply(offer, {"version": offer.version, field: current, "status": offer.status}, **changes)
        audit(offer, DECISIONS[(kind, decision)], user, now, comment=comment)
        if status == OfferStatus.APPROVED:
            triggers.request_deployment(user, now, f"offer {offer.code} approved")
    return offer


def reinitialize(offer_id, user, now, *, version, comment=""):
    """ "Re-initialize approval": both approvals back to pending. The live copy, if any,
    stays as it is until a new version is approved (or the offer is disabled)."""
    with transaction.atomic():
        offer = _locked(offer_id, version)
        if offer.content_approval == offer.eligibility_approval == Approval.PENDING:
            raise Refused(_("The approvals of offer %(code)s are already pending.") % {"code": offer.code})
        disabled = offer.status == OfferStatus.DISABLED
        _apply(
            offer,
            {"version": offer.version, "status": offer.status},
            content_approval=Approval.PENDING,
            eligibility_approval=Approval.PENDING,
            content_decided_by=None,
            content_decided_at=None,
            eligibility_decided_by=None,
            eligibility_decided_at=None,
            approved_by=None,
            approved_at=None,
            status=design_status(Approval.PENDING, Approval.PENDING, disabled),
        )
        audit(offer, AuditAction.REINITIALIZED, user, now, comment=comment)
    return offer


def record_edit(offer_id, user, now, *, content_changed, eligibility_changed, changed_fields=()):
    """After an edit was saved: a new version, the approvals it concerns back to
    pending, a line in the audit trail. Nothing when nothing changed."""
    if not (content_changed or eligibility_changed):
        return None
    with transaction.atomic():
        offer = _locked(offer_id)
        content = Approval.PENDING if content_changed else offer.content_approval
        eligibility = Approval.PENDING if eligibility_changed else offer.eligibility_approval
        changes = {
            "version": offer.version + 1,
            "content_approval": content,
            "eligibility_approval": eligibility,
            "status": design_status(content, eligibility, offer.status == OfferStatus.DISABLED),
        }
        if content_changed:
            changes.update(content_decided_by=None, content_decided_at=None)
        if eligibility_changed:
            changes.update(eligibility_decided_by=None, eligibility_decided_at=None)
        if changes["status"] != OfferStatus.APPROVED:
            changes.update(approved_by=None, approved_at=None)
        # Stored as written (like the journal): field names and approval kinds, untranslated.
        reset = [
            kind.value
            for kind, changed, before in (
                (ApprovalKind.CONTENT, content_changed, offer.content_approval),
                (ApprovalKind.ELIGIBILITY, eligibility_changed, offer.eligibility_approval),
            )
            if changed and before != Approval.PENDING
        ]
        _apply(offer, {"version": offer.version}, **changes)
        detail = ", ".join(changed_fields)
        if reset:
            detail += f" — approvals reset: {', '.join(reset)}"
        audit(offer, AuditAction.EDITED, user, now, detail=detail)
    return offer


def record_creation(offer, user, now):
    audit(offer, AuditAction.CREATED, user, now)


def set_enabled(offer_id, enabled, user, now, *, comment=""):
    """Disable (the live copy is deactivated by the next deployment, requested at once)
    or enable again (the status follows the approvals: an approved offer goes back to
    live with its approved version)."""
    with transaction.atomic():
        offer = _locked(offer_id)
        disabled = offer.status == OfferStatus.DISABLED
        if disabled != enabled:
            state = pgettext("offer", "enabled") if enabled else pgettext("offer", "disabled")
            raise Refused(_("Offer %(code)s is already %(state)s.") % {"code": offer.code, "state": state})
        status = design_status(offer.content_approval, offer.eligibility_approval, disabled=not enabled)
        _apply(offer, {"status": offer.status}, status=status)
        audit(offer, AuditAction.ENABLED if enabled else AuditAction.DISABLED, user, now, comment=comment)
        if (not enabled and has_live_copy(offer)) or status == OfferStatus.APPROVED:
            reason = f"offer {offer.code} {'enabled' if enabled else 'disabled'}"
            triggers.request_deployment(user, now, reason)
    return offer


def record_deletion(offer, user, now):
    """Before a design offer is deleted: its trail keeps the code; a live copy is
    deactivated by the deployment requested here."""
    audit(offer, AuditAction.DELETED, user, now)
    if has_live_copy(offer):
        triggers.request_deployment(user, now, f"offer {offer.code} deleted")
