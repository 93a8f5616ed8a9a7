"""Choices of the core app: short lowercase values, labels translated."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProfileTable(models.TextChoices):
    """The table a profile lives in; a delivery targets one of them."""

    RECIPIENT = "recipient", _("Recipients")
    COOKIE = "cookie", _("Cookie ids")
    CUSTOMER = "customer", _("Customer ids")
    MOBILE = "mobile", _("Mobile ids")


class ExternalProfileKind(models.TextChoices):
    COOKIE = ProfileTable.COOKIE.value, ProfileTable.COOKIE.label
    CUSTOMER = ProfileTable.CUSTOMER.value, ProfileTable.CUSTOMER.label
    MOBILE = ProfileTable.MOBILE.value, ProfileTable.MOBILE.label


class DeliveryState(models.TextChoices):
    EDITION = "edition", _("Being edited")
    PENDING = "pending", _("Pending")
    IN_PROGRESS = "in_progress", _("In progress")
    FINISHED = "finished", _("Finished")
    STOPPED = "stopped", _("Stopped")
    FAILED = "failed", _("Failed")


class SchedulingMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate")
    SCHEDULED = "scheduled", _("Scheduled")
    PROVISIONAL = "provisional", _("Provisional (forecast calendar)")


class LogStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PREPARED = "prepared", _("Prepared")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    IGNORED = "ignored", _("Ignored")
    CANCELLED = "cancelled", _("Cancelled")


class FailureType(models.TextChoices):
    NONE = "", _("None")
    HARD = "hard", _("Hard")
    SOFT = "soft", _("Soft")
    IGNORED = "ignored", _("Ignored")


class FailureReason(models.TextChoices):
    """Adobe's failure reasons (msg/@failureReason, §5.1), in the order of its values
    (1 user unknown … 127 control address), as used by bounce qualification."""

    NONE = "", _("Not defined")
    USER_UNKNOWN = "user_unknown", _("User unknown")
    INVALID_DOMAIN = "invalid_domain", _("Invalid domain")
    UNREACHABLE = "unreachable", _("Unreachable")
    ACCOUNT_DISABLED = "account_disabled", _("Account disabled")
    MAILBOX_FULL = "mailbox_full", _("Mailbox full")
    INACTIVE_MAILBOX = "inactive_mailbox", _("Inactive mailbox")
    NOT_CONNECTED = "not_connected", _("Not connected")
    ADDRESS_NOT_SPECIFIED = "address_not_specified", _("Address not specified")
    DENYLISTED = "denylisted", _("Denylisted address")
    QUARANTINED = "quarantined", _("Address in quarantine")
    DOUBLE = "double", _("Double")
    EXCLUDED_BY_RULE = "excluded_by_rule", _("Excluded by a SQL rule")
    EXCLUDED_BY_ARBITRATION = "excluded_by_arbitration", _("Excluded after arbitration")
    BAD_QUALITY_ADDRESS = "bad_quality_address", _("Bad-quality address")
    UNQUALIFIED_ADDRESS = "unqualified_address", _("Unqualified address")
    NOT_ELIGIBLE_FOR_OFFERS = "not_eligible_for_offers", _("Not eligible for the offers")
    TARGET_LIMITED = "target_limited", _("Target limited in size")
    REFUSED = "refused", _("Refused")
    ERROR_IGNORED = "error_ignored", _("Error ignored")
    CONTROL_ADDRESS = "control_address", _("Control address")
    UNKNOWN = "unknown", _("Unknown")


class QuarantineStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    WITH_ERRORS = "with_errors", _("With errors")
    QUARANTINE = "quarantine", _("Quarantine")
    DENYLISTED = "denylisted", _("Denylisted")


class TrackingKind(models.TextChoices):
    """The type of a tracked URL (Adobe's nmsTrackingUrl/@type: 1 email click, 2 open,
    3 opt-out, 4 web, 5 transaction, 6 mirror page, 11 interested)."""

    OPEN = "open", _("Open")
    CLICK = "click", _("Click")
    OPT_OUT = "optout", _("Opt-out")
    MIRROR = "mirror", _("Mirror page")
    WEB = "web", _("Web")
    TRANSACTION = "transaction", _("Transaction")
    INTERESTED = "interested", _("Interested (offer link)")


class EventStatus(models.TextChoices):
    """A Message Center event's status (Adobe §12). Pending: new, or awaiting a retry
    after an error (error). Processed: routed to a delivery (Adobe's "pending
    delivery"). Then, copied from the delivery: sent, ignored by the delivery, failed;
    or not covered (routing failed, not retried), or expired (maximum tries reached)."""

    PENDING = "pending", _("Pending")
    PROCESSED = "processed", _("Processed")
    ERROR = "error", _("Error")
    IGNORED = "ignored", _("Ignored")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NOT_COVERED = "not_covered", _("Not covered")
    EXPIRED = "expired", _("Expired")

    @classmethod
    def routed(cls):
        """A message routed to a delivery reached a known profile, whatever the delivery
        then did (sent, ignored, failed): that makes the profile active (Adobe KB
        ka-26812), as a delivery log does whatever its status."""
        return (cls.PROCESSED, cls.SENT, cls.IGNORED, cls.FAILED)

    @classmethod
    def routed_sql(cls):
        """routed() as an SQL list of literals (our own constants), for raw queries."""
        return "(" + ", ".join(f"'{status.value}'" for status in cls.routed()) + ")"


class StatisticsMode(models.TextChoices):
    """What cleanup does to table statistics after purging (Adobe's XtkCleanup_NoStats)."""

    VACUUM_ANALYZE = "vacuum_analyze", _("VACUUM (ANALYZE) — never VACUUM FULL")
    ANALYZE = "analyze", _("ANALYZE only")
    NONE = "none", _("None")


class EnumerationKind(models.TextChoices):
    """Whether forms accept a value that is not in the enumeration yet (Adobe §4)."""

    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class AliasSource(models.TextChoices):
    """Where an alias comes from."""

    OPERATOR = "operator", _("Entered by an operator")
    CLEANSING = "cleansing", _("Collected by alias cleansing")
    CONVERSION = "conversion", _("Converted from a value")
