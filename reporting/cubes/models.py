"""The archive of Message Center events, the two Full aggregates and their build
records, and the API keys of the event intake.

- `ArchivedEvent`: every Message Center event, kept 360 days (Adobe's archived events);
  the queue (campaign.Event) keeps them 30. The fact table of the Message Center cube.
- `PropositionAggregate`, `MessageCenterAggregate`: the materialised Full aggregates,
  rebuilt in full by their workflows (reporting/cubes/aggregates.py), and the two
  summaries of the proposition aggregate, rolled up from it. Dimension values
  are plain ids, not foreign keys: an aggregate is a result, rebuilt from its facts,
  and must not hold up the purge of a delivery or an offer.
- `AggregateBuild`: when an aggregate was built, from how many facts, by which run.
- `IntakeKey`, `IntakeWindow`: API keys of the intake (only a hash is stored) and the
  per-minute counters of its rate limit.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.choices import EventStatus, ProfileTable
from campaign.models import Channel, EventType

# --- The archive -----------------------------------------------------------------------


class ArchivedEventQuerySet(models.QuerySet):
    def received_between(self, start, end):
        return self.filter(created_at__gte=start, created_at__lt=end)


class ArchivedEvent(models.Model):
    """A Message Center event as archived; its id is what the intake returns (Adobe's
    PushEvent returns the archived event's id). `event_id` links it to its row in the
    queue (campaign.Event) while that row lives: the intake writes both at once, and
    agg_messageCenter_full copies the queue's later statuses (and any event written to
    the queue another way) through it."""

    # No foreign key: the queue row is purged after 30 days, the archive keeps 360.
    event_id = models.BigIntegerField(_("queue event id"), null=True, blank=True)
    event_type = models.ForeignKey(EventType, on_delete=models.PROTECT, verbose_name=_("event type"))
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name=_("channel"))
    status = models.CharField(_("status"), max_length=20, choices=EventStatus, default=EventStatus.PENDING)
    email = models.CharField(_("email"), max_length=254, blank=True, default="")
    mobile_phone = models.CharField(_("mobile phone"), max_length=32, blank=True, default="")
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    profile_table = models.CharField(
        _("profile table"), max_length=20, choices=ProfileTable, blank=True, default=""
    )
    profile_id = models.BigIntegerField(_("profile id"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"))
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # Which key pushed it (empty for events that reached the queue another way).
    intake_key = models.ForeignKey(
        "IntakeKey",
        verbose_name=_("API key"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    objects = ArchivedEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("archived Message Center event")
        verbose_name_plural = _("archived Message Center events")
        constraints = [
            # The sync's INSERT … ON CONFLICT (event_id) finds a queued event's copy.
            models.UniqueConstraint(fields=["event_id"], name="cubes_archive_unique_event"),
        ]
        indexes = [
            # cleanup purges by age; the cube's fact reads filter on the reception date.
            models.Index(fields=["created_at"], name="cubes_archive_created"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.event_type_id} {self.status}"


# --- Aggregates ----------------------------------------------------------------------


class PropositionMeasures(models.Model):
    """The Offer proposition cube's measures, the same columns in its aggregate and in
    the summaries rolled up from it."""

    propositions = models.BigIntegerField(_("propositions"))
    presented = models.BigIntegerField(_("presented"))
    accepted = models.BigIntegerField(_("accepted"))
    rejected = models.BigIntegerField(_("rejected"))
    interested = models.BigIntegerField(_("interested"))

    class Meta:
        abstract = True


class PropositionAggregate(PropositionMeasures):
    """The Full aggregate of the Offer proposition cube: one row per local day, channel,
    delivery, offer and offer space (ids; empty when the proposition had none)."""

    day = models.DateField(_("day"))
    channel = models.BigIntegerField(_("channel"), null=True)
    delivery = models.BigIntegerField(_("delivery"), null=True)
    offer = models.BigIntegerField(_("offer"), null=True)
    space = models.BigIntegerField(_("offer space"), null=True)

    class Meta:
        verbose_name = _("offer proposition aggregate row")
        verbose_name_plural = _("offer proposition aggregate")
        indexes = [
            # The reports read a date range of the aggregate.
            models.Index(fields=["day"], name="cubes_propagg_day"),
        ]


class PropositionDeliverySummary(PropositionMeasures):
    """A summary of the Offer proposition aggregate (rolled up from it in the same
    rebuild): one row per local day, channel, delivery and offer space."""

    day = models.DateField(_("day"))
    channel = models.BigIntegerField(_("channel"), null=True)
    delivery = models.BigIntegerField(_("delivery"), null=True)
    space = models.BigIntegerField(_("offer space"), null=True)

    class Meta:
        verbose_name = _("offer proposition summary by delivery")
        verbose_name_plural = _("offer proposition summary by delivery")
        indexes = [
            # The reports read a date range.
            models.Index(fields=["day"], name="cubes_propdelivery_day"),
        ]


class PropositionOfferSummary(PropositionMeasures):
    """A summary of the Offer proposition aggregate: one row per local month (its first
    day), channel and offer."""

    month = models.DateField(_("month"))
    channel = models.BigIntegerField(_("channel"), null=True)
    offer = models.BigIntegerField(_("offer"), null=True)

    class Meta:
        verbose_name = _("offer proposition summary by offer")
        verbose_name_plural = _("offer proposition summary by offer")
        indexes = [
            # The reports read a range of months.
            models.Index(fields=["month"], name="cubes_propoffer_month"),
        ]


class MessageCenterAggregate(models.Model):
    """The Full aggregate of the Message Center cube: one row per local day, channel,
    status and event type. The processing time is kept as a sum and a count (averages
    roll up) and as a 95th percentile (only at this grain)."""

    day = models.DateField(_("day"))
    channel = models.BigIntegerField(_("channel"), null=True)
    status = models.CharField(_("status"), max_length=20, choices=EventStatus)
    event_type = models.BigIntegerField(_("event type"), null=True)
    events = models.BigIntegerField(_("events"))
    sent = models.BigIntegerField(_("sent"))
    failed = models.BigIntegerField(_("failed"))
    ignored = models.BigIntegerField(_("ignored"))
    expired = models.BigIntegerField(_("expired"))
    processing_time_sum = models.FloatField(_("processing time, sum (s)"), null=True)
    processing_time_count = models.BigIntegerField(_("processed events"))
    processing_time_p95 = models.FloatField(_("processing time, 95th percentile (s)"), null=True)

    class Meta:
        verbose_name = _("Message Center aggregate row")
        verbose_name_plural = _("Message Center aggregate")
        indexes = [
            # The reports read a date range of the aggregate.
            models.Index(fields=["day"], name="cubes_mcagg_day"),
        ]


class AggregateBuildQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-built_at", "-id")

    def latest_of(self, cube_key):
        return self.filter(cube=cube_key).latest_first().first()


class AggregateBuild(models.Model):
    """One full rebuild of a cube's aggregate, written in the rebuild's transaction: the
    latest one describes the aggregate the reports read."""

    cube = models.CharField(_("cube"), max_length=50)
    built_at = models.DateTimeField(_("built at"))
    facts = models.BigIntegerField(_("fact rows read"))
    rows = models.BigIntegerField(_("aggregate rows"))
    seconds = models.FloatField(_("duration (s)"))
    # No database constraint: cleanup purges run history; a build record outlives it.
    run = models.ForeignKey(
        "workflows.WorkflowRun",
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    objects = AggregateBuildQuerySet.as_manager()

    class Meta:
        ordering = ["-built_at", "-id"]
        verbose_name = _("aggregate build")
        verbose_name_plural = _("aggregate builds")
        permissions = [
            ("view_proposition_cube", _("Can see the offer proposition reports")),
            ("view_message_center_cube", _("Can see the Message Center reports")),
        ]
        indexes = [
            # Reports read the latest build of their cube; cleanup purges old records.
            models.Index(fields=["cube", "built_at"], name="cubes_build_latest"),
            models.Index(fields=["built_at"], name="cubes_build_age"),
        ]

    def __str__(self):
        return f"{self.cube} {self.built_at:%Y-%m-%d %H:%M}"


# --- Intake keys ------------------------------------------------------------------------

KEY_PREFIX = "mc_"


def hash_key(secret):
    """The stored form of a key: SHA-256 of a 256-bit random secret (no salt needed:
    the secret is random, not chosen by a person)."""
    return hashlib.sha256(secret.encode()).hexdigest()


class IntakeKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def for_secret(self, secret):
        """The active key whose secret this is, or None."""
        if not secret or not secret.startswith(KEY_PREFIX):
            return None
        return self.active().filter(key_hash=hash_key(secret)).first()


class IntakeKey(models.Model):
    """An API key of the event intake, issued and revoked by an administrator. Only its
    hash is stored; the secret is shown once, when it is issued."""

    name = models.CharField(_("name"), max_length=100, help_text=_("Who uses it, e.g. “web shop”."))
    prefix = models.CharField(_("key starts with"), max_length=16)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = IntakeKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("intake API key")
        verbose_name_plural = _("intake API keys")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None

    @classmethod
    def issue(cls, name, user, now):
        """A new key and its secret (to show once)."""
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key = cls.objects.create(
            name=name, prefix=secret[:10], key_hash=hash_key(secret), created_at=now, created_by=user
        )
        return key, secret

    def revoke(self, user, now):
        """Compare-and-set: True if this call revoked it, False if it already was."""
        changed = IntakeKey.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=user
        )
        return changed == 1


class IntakeWindow(models.Model):
    """How many events one key pushed in one minute (the intake's rate limit)."""

    key = models.ForeignKey(IntakeKey, on_delete=models.CASCADE, related_name="+", verbose_name=_("API key"))
    minute = models.DateTimeField(_("minute"))
    events = models.PositiveIntegerField(_("events"), default=0)

    class Meta:
        verbose_name = _("intake rate window")
        verbose_name_plural = _("intake rate windows")
        constraints = [
            # The intake's INSERT … ON CONFLICT adds a request's events to its minute.
            models.UniqueConstraint(fields=["key", "minute"], name="cubes_intakewindow_unique"),
        ]
        indexes = [
            # cleanup deletes the windows of past days.
            models.Index(fields=["minute"], name="cubes_intakewindow_minute"),
        ]
