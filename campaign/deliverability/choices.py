"""Choices of the deliverability app: short lowercase values, labels translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.choices import FailureType


class MatchKind(models.TextChoices):
    """How a bounce qualification rule's pattern is matched (case-insensitively)."""

    SUBSTRING = "substring", _("Contains")
    REGEX = "regex", _("Regular expression")


class RuleOrigin(models.TextChoices):
    """Where a rule comes from: the downloaded ruleset, or an operator (custom)."""

    FEED = "feed", _("Ruleset")
    CUSTOM = "custom", _("Custom")


class RuleFailureType(models.TextChoices):
    """The failure types a rule may give (the core's, without "none")."""

    HARD = FailureType.HARD.value, FailureType.HARD.label
    SOFT = FailureType.SOFT.value, FailureType.SOFT.label
    IGNORED = FailureType.IGNORED.value, FailureType.IGNORED.label


class TlsMode(models.TextChoices):
    DEFAULT = "default", _("Default")
    DISABLED = "disabled", _("Disabled")
    OPPORTUNISTIC = "opportunistic", _("Opportunistic")


class QualificationStatus(models.TextChoices):
    """Status of a delivery log qualification entry (Adobe §5.1)."""

    TO_QUALIFY = "to_qualify", _("To qualify")
    KEEP = "keep", _("Keep")
    IGNORE = "ignore", _("Ignore")


class MessageKind(models.TextChoices):
    """What an inbound message of the bounce mailbox turned out to be."""

    BOUNCE = "bounce", _("Bounce")
    COMPLAINT = "complaint", _("Spam complaint")
    AUTO_REPLY = "auto_reply", _("Auto-reply")
    DELIVERY_NOTICE = "delivery_notice", _("Delivery notice")
    UNRECOGNISED = "unrecognised", _("Not a bounce")
    MALFORMED = "malformed", _("Malformed")


class LogMatch(models.TextChoices):
    """How an inbound bounce found its delivery log."""

    PENDING = "pending", _("Not matched yet")
    PLATFORM = "platform", _("Header or return path set by the platform")
    ADDRESS = "address", _("Latest delivery to the address")
    NONE = "none", _("No delivery log")
