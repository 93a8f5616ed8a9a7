"""Choices of the offer catalog."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnvironmentKind(models.TextChoices):
    DESIGN = "design", _("Design")
    LIVE = "live", _("Live")


class OfferStatus(models.TextChoices):
    EDITION = "edition", _("Being edited")
    PENDING_APPROVAL = "pending_approval", _("Pending approval")
    APPROVED = "approved", _("Approved")
    LIVE = "live", _("Live")
    DISABLED = "disabled", _("Disabled")


class PropositionStatus(models.TextChoices):
    GENERATED = "generated", _("Generated")
    SCHEDULED = "scheduled", _("Scheduled")
    PRESENTED = "presented", _("Presented")
    INTERESTED = "interested", _("Interested")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
