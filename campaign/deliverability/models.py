"""Deliverability data: the rules of the ruleset (bounce qualification, domain and MX
rules) and the operators' own, the state of the ruleset download, the delivery log
qualification list, the inbound bounce messages and the pointer of the successes step.

No table here has a foreign key to a delivery or a delivery log: an inbound bounce
keeps the id of the log it matched, so the cleanup of logs and deliveries never waits
on this app.
"""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaign.choices import FailureReason

from .choices import (
    LogMatch,
    MatchKind,
    MessageKind,
    QualificationStatus,
    RuleFailureType,
    RuleOrigin,
    TlsMode,
)


class RuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)

    def from_feed(self):
        return self.filter(origin=RuleOrigin.FEED)

    def custom(self):
        return self.filter(origin=RuleOrigin.CUSTOM)


class RuleFields(models.Model):
    """What every kind of rule has: its origin, the ruleset's key for it, and when the
    ruleset retired it (a retired rule is kept for the record, and no longer applies)."""

    key = models.CharField(
        _("ruleset key"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("The ruleset's stable name for this rule; empty for a custom rule."),
    )
    origin = models.CharField(_("origin"), max_length=10, choices=RuleOrigin, default=RuleOrigin.CUSTOM)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    objects = RuleQuerySet.as_manager()

    class Meta:
        abstract = True


class QualificationRule(RuleFields):
    """A bounce qualification rule ("inbound email" rule): a pattern matched against an
    SMTP reply or a bounce's diagnostic text, and the failure type and reason it gives."""

    pattern = models.CharField(_("pattern"), max_length=500)
    match_kind = models.CharField(_("match"), max_length=10, choices=MatchKind, default=MatchKind.SUBSTRING)
    failure_type = models.CharField(_("failure type"), max_length=10, choices=RuleFailureType)
    failure_reason = models.CharField(_("failure reason"), max_length=30, choices=FailureReason)
    priority = models.PositiveIntegerField(
        _("priority"), default=1000, help_text=_("Rules are tried from the lowest priority number up.")
    )
    description = models.CharField(_("description"), max_length=300, blank=True, default="")

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("bounce qualification rule")
        verbose_name_plural = _("bounce qualification rules")
        constraints = [
            # The ruleset names each of its rules once; applying it updates by key.
            models.UniqueConstraint(
                fields=["key"], condition=Q(origin=RuleOrigin.FEED), name="deliverability_rule_unique_key"
            ),
        ]

    def __str__(self):
        return self.pattern


class DomainRule(RuleFields):
    """A domain management rule: how mail to matching domains is signed and relayed.
    The generic rule's domain is "*"."""

    domain = models.CharField(
        _("domain mask"), max_length=255, help_text=_("With * and ?; * = every domain.")
    )
    dkim = models.BooleanField(_("DKIM"), default=True)
    domainkeys = models.BooleanField(_("DomainKeys"), default=False)
    sender_id = models.BooleanField(_("Sender ID"), default=False)
    smime = models.BooleanField(_("S/MIME"), default=False)
    relay_host = models.CharField(_("SMTP relay host"), max_length=255, blank=True, default="")
    relay_port = models.PositiveIntegerField(
        _("SMTP relay port"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(65535)],
    )

    class Meta:
        ordering = ["domain", "id"]
        verbose_name = _("domain rule")
        verbose_name_plural = _("domain rules")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(origin=RuleOrigin.FEED), name="deliverability_domain_unique_key"
            ),
        ]

    def __str__(self):
        return self.domain


class MxRule(RuleFields):
    """An MX management rule: the sending limits for MX hosts matching its mask (with *
    and ?). Rules are tried by rank; the first whose mask matches wins (Adobe §5.3)."""

    mx_mask = models.CharField(_("MX mask"), max_length=255)
    rank = models.PositiveIntegerField(
        _("rank"), default=1000, help_text=_("Rules are tried from the lowest rank up.")
    )
    identifiers = models.CharField(
        _("range of identifiers"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("Public ids the rule applies to (empty = all)."),
    )
    shared = models.BooleanField(
        _("shared"), default=False, help_text=_("Limits shared across all IPs (else per IP).")
    )
    max_connections = models.PositiveIntegerField(_("maximum connections"), default=10)
    messages_per_connection = models.PositiveIntegerField(_("messages per connection"), default=100)
    messages_per_hour = models.PositiveIntegerField(_("messages per hour"), default=10000)
    connection_timeout = models.PositiveIntegerField(_("connection timeout (s)"), default=30)
    data_timeout = models.PositiveIntegerField(_("timeout after DATA (s)"), default=600)
    timeout = models.PositiveIntegerField(_("timeout, other SMTP steps (s)"), default=300)
    tls = models.CharField(_("TLS"), max_length=20, choices=TlsMode, default=TlsMode.DEFAULT)

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("MX rule")
        verbose_name_plural = _("MX rules")
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=Q(origin=RuleOrigin.FEED), name="deliverability_mx_unique_key"
            ),
        ]

    def __str__(self):
        return self.mx_mask


class RulesetState(models.Model):
    """The ruleset in force and its download (one row, id 1): what the conditional
    request sends next time (ETag, Last-Modified) and what was applied."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    source = models.CharField(_("source"), max_length=500, blank=True, default="")
    etag = models.CharField(_("ETag"), max_length=200, blank=True, default="")
    last_modified = models.CharField(_("Last-Modified"), max_length=100, blank=True, default="")
    format_version = models.PositiveIntegerField(_("format version"), null=True, blank=True)
    revision = models.CharField(_("ruleset revision"), max_length=100, blank=True, default="")
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, default="")
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    checked_at = models.DateTimeField(_("last checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("ruleset state")
        verbose_name_plural = _("ruleset state")
        constraints = [
            # RulesetState.load() reads and writes row 1 only.
            models.CheckConstraint(condition=Q(id=1), name="deliverability_ruleset_singleton"),
        ]

    def __str__(self):
        return self.revision or str(_("no ruleset"))

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=cls.SINGLETON_ID)[0]


class LogQualificationQuerySet(models.QuerySet):
    def to_qualify(self):
        return self.filter(status=QualificationStatus.TO_QUALIFY)


class LogQualification(models.Model):
    """An entry of the delivery log qualification list: a bounce text no rule matched,
    normalised (addresses "*", ids, dates and numbers "#xxx#"), with its first raw text
    and its number of occurrences. An operator qualifies it (type, reason) and keeps it
    (then it qualifies that text from now on) or ignores it (never quarantines)."""

    text_hash = models.CharField(_("text hash"), max_length=64, unique=True)
    text = models.TextField(_("text"))
    first_text = models.TextField(_("first text"))
    failure_type = models.CharField(_("failure type"), max_length=10, choices=RuleFailureType)
    failure_reason = models.CharField(_("failure reason"), max_length=30, choices=FailureReason)
    status = models.CharField(
        _("qualification status"),
        max_length=20,
        choices=QualificationStatus,
        default=QualificationStatus.TO_QUALIFY,
    )
    occurrences = models.PositiveIntegerField(
        _("occurrences"), default=1, validators=[MinValueValidator(0), MaxValueValidator(100_000)]
    )
    first_seen_at = models.DateTimeField(_("first seen"))
    last_seen_at = models.DateTimeField(_("last seen"))
    updated_at = models.DateTimeField(_("updated"))

    objects = LogQualificationQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        verbose_name = _("delivery log qualification")
        verbose_name_plural = _("delivery log qualification")
        indexes = [
            # The list screen (newest first) and cleanup's purge of stale entries to qualify.
            models.Index(fields=["last_seen_at"], name="deliverab_qual_seen"),
        ]

    def __str__(self):
        return self.text[:80]


class InboundBounce(models.Model):
    """One recipient of one message read from the bounce mailbox (a bounce has one row
    per failed recipient; an auto-reply, a notice or a malformed message one row): what
    it was, how it was qualified and which delivery log it was recorded on. The message
    key makes each message processed once."""

    message_key = models.CharField(_("message key"), max_length=64)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=20, choices=MessageKind)
    source = models.CharField(_("mailbox"), max_length=300, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=300, blank=True, default="")
    received_at = models.DateTimeField(_("processed"))
    status_code = models.CharField(_("status code"), max_length=16, blank=True, default="")
    failure_type = models.CharField(
        _("failure type"), max_length=10, choices=RuleFailureType, blank=True, default=""
    )
    failure_reason = models.CharField(
        _("failure reason"), max_length=30, choices=FailureReason, blank=True, default=""
    )
    diagnostic = models.TextField(_("diagnostic text"), blank=True, default="")
    rule = models.ForeignKey(
        QualificationRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    log_id = models.BigIntegerField(_("delivery log"), null=True, blank=True)
    log_match = models.CharField(
        _("delivery log match"), max_length=20, choices=LogMatch, default=LogMatch.PENDING
    )
    recorded = models.BooleanField(_("recorded on the log"), default=False)
    quarantine_status = models.CharField(_("address status after"), max_length=20, blank=True, default="")

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound bounce")
        verbose_name_plural = _("inbound bounces")
        constraints = [
            # Each message is processed once: a second read of it finds its rows.
            models.UniqueConstraint(fields=["message_key", "recipient"], name="deliverability_bounce_once"),
        ]
        indexes = [
            # cleanup purges by age; the screen lists the latest first.
            models.Index(fields=["received_at"], name="deliverab_bounce_time"),
            # process_bounces matches the bounces still waiting for their delivery log.
            models.Index(
                fields=["received_at"],
                name="deliverab_bounce_pending",
                condition=Q(log_match=LogMatch.PENDING),
            ),
            # process_bounces records the matched failures not yet written on their log.
            models.Index(
                fields=["log_id"],
                name="deliverab_bounce_unrecorded",
                condition=Q(recorded=False, failure_type__in=[RuleFailureType.HARD, RuleFailureType.SOFT]),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.recipient}"


class Pointer(models.Model):
    """How far a step has read a table: the highest id it has read, all rows at or
    below it being committed (see successes.py)."""

    name = models.SlugField(_("name"), max_length=50, unique=True)
    position = models.BigIntegerField(_("position"), default=0)
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("pointer")
        verbose_name_plural = _("pointers")

    def __str__(self):
        return f"{self.name}: {self.position}"
