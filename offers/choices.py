"""Choices of the offer catalog, with the badge colour of each status next to it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnvironmentKind(models.TextChoices):
    DESIGN = "design", _("Design")
    LIVE = "live", _("Live")


class OfferStatus(models.TextChoices):
    """A design offer's place in its life cycle (derived from its two approvals by
    offers.approvals.design_status; "live" is set by offerMgt once the approved version
    is deployed). A live copy is "live" or, once deactivated, "disabled"."""

    EDITION = "edition", _("Being edited")
    PENDING_APPROVAL = "pending_approval", _("Approval in progress")
    REJECTED = "rejected", _("Rejected")
    APPROVED = "approved", _("Approved, waiting for deployment")
    LIVE = "live", _("Live")
    DISABLED = "disabled", _("Disabled")


OFFER_STATUS_COLORS = {
    OfferStatus.EDITION: "#6c757d",  # grey
    OfferStatus.PENDING_APPROVAL: "#b58900",  # amber
    OfferStatus.REJECTED: "#dc3545",  # red
    OfferStatus.APPROVED: "#0d6efd",  # blue
    OfferStatus.LIVE: "#198754",  # green
    OfferStatus.DISABLED: "#343a40",  # dark
}


class Approval(models.TextChoices):
    """The state of one of an offer's two approvals (content, eligibility)."""

    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


APPROVAL_COLORS = {
    Approval.PENDING: "#b58900",
    Approval.APPROVED: "#198754",
    Approval.REJECTED: "#dc3545",
}


class ApprovalKind(models.TextChoices):
    CONTENT = "content", _("Content")
    ELIGIBILITY = "eligibility", _("Eligibility")


class AuditAction(models.TextChoices):
    """What an entry of an offer's audit trail records."""

    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    CONTENT_APPROVED = "content_approved", _("Content approved")
    CONTENT_REJECTED = "content_rejected", _("Content rejected")
    ELIGIBILITY_APPROVED = "eligibility_approved", _("Eligibility approved")
    ELIGIBILITY_REJECTED = "eligibility_rejected", _("Eligibility rejected")
    REINITIALIZED = "reinitialized", _("Approval re-initialized")
    DISABLED = "disabled", _("Disabled")
    ENABLED = "enabled", _("Enabled")
    DELETED = "deleted", _("Deleted")


class PropositionStatus(models.TextChoices):
    GENERATED = "generated", _("Generated")
    SCHEDULED = "scheduled", _("Scheduled")
    PRESENTED = "presented", _("Presented")
    INTERESTED = "interested", _("Interested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
