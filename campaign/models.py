"""Core data: channels, profiles, deliveries and their logs, tracking, Message Center
events, enumerations and quarantine.

A profile is named everywhere by (profile_table, profile_id): the built-in recipients
and the external profile tables share one id space per table. Large tables (delivery
logs, tracking hits, events) reference their parent with DO_NOTHING: they are purged by
set-based SQL, child tables first, never by Django's Python-side cascade.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import (
    AliasSource,
    DeliveryState,
    EnumerationKind,
    EventStatus,
    ExternalProfileKind,
    FailureReason,
    FailureType,
    LogStatus,
    ProfileTable,
    QuarantineStatus,
    SchedulingMode,
    StatisticsMode,
    TrackingKind,
)


class ChangeOrder(models.Func):
    """The database default of `change_order`: the order of the write that made a row
    countable. PostgreSQL stamps the writing transaction's id (pg_current_xact_id),
    read up to the oldest transaction still running (campaign.changes.horizon), so a
    transaction that commits after a later one is never skipped. SQLite, whose writers
    are serialised, numbers rows with a trigger instead (campaign/changes.py installs
    the triggers and indexes, which Django's state does not describe)."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


def change_order_field():
    return models.BigIntegerField(
        _("change order"), null=True, blank=True, editable=False, db_default=ChangeOrder()
    )


class Channel(models.Model):
    """A delivery channel (email, SMS, push…); whether it counts toward billing."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    label = models.CharField(_("label"), max_length=100)
    counts_for_billing = models.BooleanField(_("counts for billing"), default=True)
    is_social = models.BooleanField(_("social network"), default=False, help_text=_("Facebook, Twitter…"))
    is_transactional_capable = models.BooleanField(_("Message Center channel"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self):
        return self.label


class Recipient(models.Model):
    """A profile of the built-in recipient table."""

    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    # Enumeration-bound fields (alias cleansing); the database default keeps set-based
    # inserts that do not name them valid.
    country = models.CharField(_("country"), max_length=100, blank=True, default="", db_default="")
    company_type = models.CharField(_("company type"), max_length=100, blank=True, default="", db_default="")
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")

    def __str__(self):
        return self.email or self.phone or f"#{self.pk}"


class ExternalProfile(models.Model):
    """A profile of an external table (cookie id, customer id, mobile id)."""

    kind = models.CharField(_("profile table"), max_length=20, choices=ExternalProfileKind)
    external_id = models.CharField(_("external id"), max_length=100)
    recipient = models.ForeignKey(
        Recipient,
        verbose_name=_("linked recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="external_profiles",
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("external profile")
        verbose_name_plural = _("external profiles")
        constraints = [
            models.UniqueConstraint(fields=["kind", "external_id"], name="campaign_extprofile_unique_kind_id")
        ]
        indexes = [
            # Customer metrics: "total profiles per table" counts by kind.
            models.Index(fields=["kind"], name="campaign_extprofile_kind"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.external_id}"


class RecipientList(models.Model):
    """A named list of recipients."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    recipients = models.ManyToManyField(Recipient, blank=True, related_name="lists")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("recipient list")
        verbose_name_plural = _("recipient lists")

    def __str__(self):
        return self.name


class DeliveryQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted=False)

    def provisional(self):
        return self.filter(deleted=False, scheduling_mode=SchedulingMode.PROVISIONAL)


class Delivery(models.Model):
    """A delivery: one channel, one target profile table."""

    label = models.CharField(_("label"), max_length=200)
    channel = models.ForeignKey(Channel, verbose_name=_("channel"), on_delete=models.PROTECT)
    profile_table = models.CharField(
        _("target profile table"), max_length=20, choices=ProfileTable, default=ProfileTable.RECIPIENT
    )
    state = models.CharField(_("state"), max_length=20, choices=DeliveryState, default=DeliveryState.EDITION)
    scheduling_mode = models.CharField(
        _("scheduling"), max_length=20, choices=SchedulingMode, default=SchedulingMode.IMMEDIATE
    )
    planned_at = models.DateTimeField(_("planned date"), null=True, blank=True)
    # The target: a list, a saved filter on recipient fields (campaign.targeting), or
    # both (the list's members the filter selects); neither is no target. One definition,
    # read by the estimate on the delivery's form and by forecasting.
    target_list = models.ForeignKey(
        RecipientList,
        verbose_name=_("target list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    target_filter = models.JSONField(
        _("target filter"),
        null=True,
        blank=True,
        help_text=_(
            'A saved filter on recipient fields, e.g. {"field": "country", "op": "eq", "value": "FR"}; '
            "{} selects every recipient. With a list: the list's members the filter selects."
        ),
    )
    weight = models.PositiveSmallIntegerField(
        _("message weight"),
        default=1,
        db_default=1,  # set-based inserts that do not name it (data generation) stay valid
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Pressure rules keep the heaviest deliveries when a profile would get too many messages "
            "(from 1 to 100)."
        ),
    )
    started_at = models.DateTimeField(_("start"), null=True, blank=True)
    valid_until = models.DateTimeField(_("validity end"), null=True, blank=True)
    deleted = models.BooleanField(_("deleted"), default=False)
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The counters a platform keeps on a delivery (Adobe's indicators), recomputed by the
    # `tracking` workflow for the deliveries it touches; the database default keeps
    # set-based inserts that do not name them valid.
    to_deliver = models.PositiveIntegerField(_("messages to deliver"), default=0, db_default=0)
    processed = models.PositiveIntegerField(_("messages processed"), default=0, db_default=0)
    sent = models.PositiveIntegerField(_("messages sent"), default=0, db_default=0)
    delivered = models.PositiveIntegerField(_("messages delivered"), default=0, db_default=0)
    failed = models.PositiveIntegerField(_("messages failed"), default=0, db_default=0)
    unique_opens = models.PositiveIntegerField(_("unique opens"), default=0, db_default=0)
    clicks = models.PositiveIntegerField(_("clicks"), default=0, db_default=0)
    opt_outs = models.PositiveIntegerField(_("opt-outs"), default=0, db_default=0)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        indexes = [
            # cleanup: deleted deliveries past their retention.
            models.Index(fields=["deleted_at"], name="campaign_delivery_deleted", condition=Q(deleted=True)),
            # billing: deliveries started in the billing window; reports by start date.
            models.Index(fields=["started_at"], name="campaign_delivery_started"),
            # forecasting and the provisional calendar: provisional deliveries by planned date.
            models.Index(
                fields=["planned_at"],
                name="campaign_delivery_provisional",
                condition=Q(scheduling_mode=SchedulingMode.PROVISIONAL, deleted=False),
            ),
        ]

    def __str__(self):
        return self.label


class DeliveryLogQuerySet(models.QuerySet):
    def for_profile(self, profile_table, profile_id):
        return self.filter(profile_table=profile_table, profile_id=profile_id)

    def between(self, start, end):
        return self.filter(event_at__gte=start, event_at__lt=end)


class DeliveryLog(models.Model):
    """One targeted profile of one delivery: the largest table."""

    # Indexed by campaign_log_delivery_status (delivery, status), not by a second index.
    delivery = models.ForeignKey(
        Delivery,
        on_delete=models.DO_NOTHING,
        related_name="logs",
        verbose_name=_("delivery"),
        db_index=False,
    )
    profile_table = models.CharField(_("profile table"), max_length=20, choices=ProfileTable)
    profile_id = models.BigIntegerField(_("profile id"))
    address = models.CharField(_("address"), max_length=254, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=LogStatus)
    failure_type = models.CharField(
        _("failure type"), max_length=10, choices=FailureType, blank=True, default=""
    )
    failure_reason = models.CharField(
        _("failure reason"), max_length=30, choices=FailureReason, blank=True, default=""
    )
    error_text = models.TextField(_("error text"), blank=True, default="")
    message_size = models.PositiveIntegerField(_("message size (bytes)"), default=0)
    event_at = models.DateTimeField(_("event time"))
    # Stamped by the insert (campaign.changes): the active-contact upkeep reads the logs
    # written since its last run, whatever their event time. BRIN-indexed on PostgreSQL.
    change_order = change_order_field()

    objects = DeliveryLogQuerySet.as_manager()

    class Meta:
        ordering = ["-event_at", "-id"]
        verbose_name = _("delivery log")
        verbose_name_plural = _("delivery logs")
        indexes = [
            # cleanup purges by age; active contacts read the logs since their last run.
            models.Index(fields=["event_at"], name="campaign_log_event_at"),
            # delivery reports, billing volumes and the deleted-delivery purge read by delivery.
            models.Index(fields=["delivery", "status"], name="campaign_log_delivery_status"),
            # a profile's history (profile screens, active-profile checks).
            models.Index(fields=["profile_table", "profile_id"], name="campaign_log_profile"),
        ]

    def __str__(self):
        return f"{self.delivery_id}/{self.profile_table}:{self.profile_id} {self.status}"


class TrackingUrl(models.Model):
    """A tracked link of a delivery; redirects go only to these."""

    delivery = models.ForeignKey(Delivery, on_delete=models.DO_NOTHING, related_name="tracking_urls")
    label = models.CharField(_("label"), max_length=200, blank=True)
    url = models.URLField(_("URL"), max_length=2000)
    kind = models.CharField(_("kind"), max_length=20, choices=TrackingKind, default=TrackingKind.CLICK)

    class Meta:
        ordering = ["id"]
        verbose_name = _("tracking URL")
        verbose_name_plural = _("tracking URLs")

    def __str__(self):
        return self.label or self.url


class TrackingHit(models.Model):
    """A raw tracking hit (open, click…), appended by the public tracking endpoints and
    consolidated later by the tracking workflow, which marks what it consumed.

    The endpoint's write is one plain INSERT: its keys carry no database constraint (no
    lookup or lock of the delivery per hit, and a hit of a delivery purged meanwhile is
    still written, then counted and skipped by consolidation)."""

    # Indexed by campaign_hit_delivery (named, with its query).
    delivery = models.ForeignKey(
        Delivery, on_delete=models.DO_NOTHING, related_name="hits", db_index=False, db_constraint=False
    )
    delivery_log = models.ForeignKey(
        DeliveryLog,
        verbose_name=_("delivery log"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    url = models.ForeignKey(
        TrackingUrl, on_delete=models.DO_NOTHING, null=True, blank=True, db_index=False, db_constraint=False
    )
    profile_table = models.CharField(_("profile table"), max_length=20, choices=ProfileTable)
    profile_id = models.BigIntegerField(_("profile id"))
    kind = models.CharField(_("kind"), max_length=20, choices=TrackingKind)
    hit_at = models.DateTimeField(_("time"))
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    consolidated_at = models.DateTimeField(_("consolidated at"), null=True, blank=True)

    class Meta:
        ordering = ["-hit_at", "-id"]
        verbose_name = _("tracking hit")
        verbose_name_plural = _("tracking hits")
        indexes = [
            # tracking: claim the hits not consolidated yet, in id order.
            models.Index(
                fields=["id"],
                name="campaign_hit_pending",
                condition=Q(consolidated_at__isnull=True),
            ),
            # cleanup: purge consolidated hits by age (pending hits stay out of it, so the
            # endpoint's insert does not write to it).
            models.Index(
                fields=["consolidated_at"],
                name="campaign_hit_consolidated",
                condition=Q(consolidated_at__isnull=False),
            ),
            # the deleted-delivery purge removes a delivery's hits.
            models.Index(fields=["delivery"], name="campaign_hit_delivery"),
        ]


class EventType(models.Model):
    """A Message Center event type (e.g. order confirmation)."""

    name = models.SlugField(_("name"), max_length=100, unique=True)
    label = models.CharField(_("label"), max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name = _("event type")
        verbose_name_plural = _("event types")

    def __str__(self):
        return self.label


class Event(models.Model):
    """A Message Center (transactional) event and the message it produced."""

    event_type = models.ForeignKey(EventType, on_delete=models.PROTECT, verbose_name=_("type"))
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name=_("channel"))
    status = models.CharField(_("status"), max_length=20, choices=EventStatus, default=EventStatus.PENDING)
    email = models.CharField(_("email / address"), max_length=254, blank=True)
    # Set when the message went to a known profile: it then counts as activity.
    profile_table = models.CharField(
        _("profile table"), max_length=20, choices=ProfileTable, blank=True, default=""
    )
    profile_id = models.BigIntegerField(_("profile id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    # Stamped by the insert and again when the message is processed (campaign.changes):
    # a message counts as activity when it is processed, however late.
    change_order = change_order_field()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Message Center event")
        verbose_name_plural = _("Message Center events")
        indexes = [
            # cleanup purges by age; the Message Center cube reads by creation time.
            models.Index(fields=["created_at"], name="campaign_event_created"),
            # active contacts read the messages processed since their last run.
            models.Index(
                fields=["processed_at"],
                name="campaign_event_processed",
                condition=Q(profile_id__isnull=False),
            ),
        ]


def match_key(expression, ignore_case):
    """The SQL expression enumerations compare spellings by: the text itself, or (when
    the enumeration ignores case and spaces) LOWER(TRIM(text)). Always computed by the
    database, so that keys stored here and keys of the data compare alike (SQLite's
    LOWER folds ASCII letters only, PostgreSQL's every letter)."""
    return Lower(Trim(expression)) if ignore_case else expression


class EnumerationQuerySet(models.QuerySet):
    def cleansed(self):
        return self.filter(alias_cleansing=True)


class Enumeration(models.Model):
    """A list of allowed values (Adobe's itemized list) and the aliases that stand for
    them. The fields it governs are declared in code by the app that owns each field
    (EnumerationBinding in its contributions.py)."""

    name = models.SlugField(_("internal name"), max_length=100, unique=True)
    label = models.CharField(_("label"), max_length=200)
    kind = models.CharField(
        _("type"),
        max_length=10,
        choices=EnumerationKind,
        default=EnumerationKind.OPEN,
        help_text=_(
            "Open: a value typed in a form is added after the operator confirms it. Closed: only the "
            "listed values."
        ),
    )
    alias_cleansing = models.BooleanField(
        _("alias cleansing"),
        default=False,
        help_text=_(
            "Every night, collect the spellings found in the bound fields that are neither a value "
            "nor an alias, and rewrite aliased spellings to their value."
        ),
    )
    ignore_case = models.BooleanField(
        _("ignore case and surrounding spaces"),
        default=True,
        help_text=_("“ france ” and “FRANCE” then match the value “France”."),
    )

    objects = EnumerationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("enumeration")
        verbose_name_plural = _("enumerations")

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        before = None
        if self.pk is not None:
            before = Enumeration.objects.filter(pk=self.pk).values_list("ignore_case", flat=True).first()
        super().save(*args, **kwargs)
        if before is not None and before != self.ignore_case:
            self.refresh_keys()

    @property
    def is_open(self):
        return self.kind == EnumerationKind.OPEN

    def key_of(self, text):
        """The match key of `text` in this enumeration, as an expression."""
        return match_key(Value(text), self.ignore_case)

    def colliding_keys(self, ignore_case):
        """Match keys shared by two values, two aliases or a value and an alias, were the
        enumeration to match with `ignore_case` (refused: one spelling, one meaning)."""
        spellings = [
            *self.values.annotate(key=match_key(F("value"), ignore_case)).values_list("key", flat=True),
            *self.aliases.annotate(key=match_key(F("alias"), ignore_case)).values_list("key", flat=True),
        ]
        seen, shared = set(), set()
        for key in spellings:  # one enumeration's spellings: hundreds, not millions
            (shared if key in seen else seen).add(key)
        return sorted(shared)

    def clean(self):
        if self.pk is None or not self.ignore_case:
            return
        before = Enumeration.objects.filter(pk=self.pk).values_list("ignore_case", flat=True).first()
        if before is False:
            shared = self.colliding_keys(True)
            if shared:
                raise ValidationError(
                    {
                        "ignore_case": _(
                            "These spellings would become one: %(keys)s. Convert or delete the "
                            "duplicates first."
                        )
                        % {"keys": ", ".join(shared[:10])}
                    }
                )

    def refresh_keys(self):
        """Recompute the match keys of the values and aliases (after `ignore_case` changed)."""
        self.values.update(match_key=match_key(F("value"), self.ignore_case))
        self.aliases.update(match_key=match_key(F("alias"), self.ignore_case))


class KeyedSpelling(models.Model):
    """A spelling of an enumeration with its match key, computed by the database."""

    match_key = models.CharField(_("match key"), max_length=200, editable=False, default="")
    spelling_field = ""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        text = getattr(self, self.spelling_field)
        self.match_key = match_key(Value(text), self.enumeration.ignore_case)
        super().save(*args, **kwargs)
        self.refresh_from_db(fields=["match_key"])

    def same_key(self, queryset):
        """The rows of `queryset` whose key is this spelling's key (this row excluded)."""
        found = queryset.filter(
            enumeration_id=self.enumeration_id,
            match_key=self.enumeration.key_of(getattr(self, self.spelling_field)),
        )
        return found.exclude(pk=self.pk) if self.pk else found


class EnumerationValue(KeyedSpelling):
    """An allowed value of an enumeration (the canonical spelling) and its label."""

    enumeration = models.ForeignKey(
        Enumeration, on_delete=models.CASCADE, related_name="values", verbose_name=_("enumeration")
    )
    value = models.CharField(_("value"), max_length=200)
    label = models.CharField(_("label"), max_length=200, blank=True)
    spelling_field = "value"

    class Meta:
        ordering = ["enumeration", "value"]
        verbose_name = _("enumeration value")
        verbose_name_plural = _("enumeration values")
        constraints = [
            models.UniqueConstraint(fields=["enumeration", "value"], name="campaign_enumvalue_unique_value"),
            # Forms and alias cleansing find a value by its key (one spelling, one value).
            models.UniqueConstraint(
                fields=["enumeration", "match_key"], name="campaign_enumvalue_unique_key"
            ),
        ]

    def __str__(self):
        return self.label or self.value

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # A spelling collected without a target that becomes a value leaves the alias list.
        self.same_key(EnumerationAlias.objects).filter(value__isnull=True).delete()

    def clean(self):
        if not self.value.strip() or not hasattr(self, "enumeration"):
            return
        if self.same_key(EnumerationValue.objects).exists():
            raise ValidationError({"value": _("This enumeration already has this value.")})
        alias = self.same_key(EnumerationAlias.objects).filter(value__isnull=False).first()
        if alias is not None:
            raise ValidationError(
                {
                    "value": _("“%(alias)s” is an alias of “%(value)s”.")
                    % {"alias": alias, "value": alias.value}
                }
            )


class EnumerationAliasQuerySet(models.QuerySet):
    def without_target(self):
        return self.filter(value__isnull=True)

    def with_target(self):
        return self.filter(value__isnull=False)


class EnumerationAlias(KeyedSpelling):
    """A spelling that stands for a value of its enumeration: alias cleansing rewrites it
    to the value, forms replace it at once. Without a value it waits for one (alias
    cleansing collects the unknown spellings it finds in the data this way)."""

    enumeration = models.ForeignKey(
        Enumeration, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("enumeration")
    )
    alias = models.CharField(_("alias"), max_length=200)
    value = models.ForeignKey(
        EnumerationValue,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="aliases",
        verbose_name=_("value"),
        help_text=_("Empty: no target yet; the spelling is left as it is."),
    )
    hits = models.PositiveBigIntegerField(
        _("hits"), default=0, help_text=_("An estimate of how many times this spelling was entered.")
    )
    rows_found = models.PositiveBigIntegerField(
        _("rows found"), default=0, help_text=_("Rows holding it at the last cleansing, before rewriting.")
    )
    rows_pending = models.PositiveBigIntegerField(
        _("rows holding it"), default=0, help_text=_("Rows still holding it after the last cleansing.")
    )
    last_seen_at = models.DateTimeField(_("last found"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=AliasSource, default=AliasSource.OPERATOR)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    spelling_field = "alias"

    objects = EnumerationAliasQuerySet.as_manager()

    class Meta:
        ordering = ["enumeration", "alias"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            # One alias per spelling (its key); alias cleansing's upsert of collected
            # spellings targets it (ON CONFLICT (enumeration_id, match_key)).
            models.UniqueConstraint(fields=["enumeration", "match_key"], name="campaign_alias_unique_key"),
        ]

    def __str__(self):
        return self.alias

    def clean(self):
        if not hasattr(self, "enumeration"):
            return
        if self.value_id is not None and self.value.enumeration_id != self.enumeration_id:
            raise ValidationError({"value": _("Choose a value of the same enumeration.")})
        if not self.alias.strip():
            raise ValidationError({"alias": _("An alias cannot be blank.")})
        if self.same_key(EnumerationAlias.objects).exists():
            raise ValidationError({"alias": _("This enumeration already has this alias.")})
        if self.same_key(EnumerationValue.objects).exists():
            raise ValidationError({"alias": _("This spelling is a value of the enumeration.")})


class QuarantineQuerySet(models.QuerySet):
    def with_errors(self):
        return self.filter(status=QuarantineStatus.WITH_ERRORS)


class Quarantine(models.Model):
    """The deliverability state of one address on one channel."""

    address = models.CharField(_("address"), max_length=254)
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name=_("channel"))
    status = models.CharField(
        _("status"), max_length=20, choices=QuarantineStatus, default=QuarantineStatus.VALID
    )
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    last_error_at = models.DateTimeField(_("last error"), null=True, blank=True)
    last_error_reason = models.CharField(
        _("last error reason"), max_length=30, choices=FailureReason, blank=True, default=""
    )
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    objects = QuarantineQuerySet.as_manager()

    class Meta:
        ordering = ["address"]
        verbose_name = _("quarantine entry")
        verbose_name_plural = _("quarantine")
        constraints = [
            # Quarantine is per address (case-sensitive) and channel.
            models.UniqueConstraint(fields=["address", "channel"], name="campaign_quarantine_unique_address")
        ]
        indexes = [
            # cleanup's quarantine upkeep scans the addresses "with errors".
            models.Index(
                fields=["last_error_at"],
                name="campaign_quarantine_errors",
                condition=Q(status=QuarantineStatus.WITH_ERRORS),
            ),
        ]

    def __str__(self):
        return f"{self.address} ({self.get_status_display()})"


MAX_RETENTION_DAYS = 36500
MIN_BATCH_SIZE = 100
MAX_BATCH_SIZE = 1_000_000


class RetentionPeriod(models.Model):
    """The retention of one data class (declared by the app whose table it purges), in
    days; empty keeps the data forever. No value may be 0, so that no setting can ever
    mean "delete everything": the form, the model, the database and cleanup each refuse
    it. A class of an app no longer installed keeps its row (and its value)."""

    key = models.SlugField(_("data class"), max_length=100, unique=True)
    days = models.PositiveIntegerField(
        _("days"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        constraints = [
            # 0 would mean "delete everything": refused by the database as well.
            models.CheckConstraint(
                condition=Q(days__isnull=True) | Q(days__gte=1), name="campaign_retention_days_min"
            ),
        ]

    def __str__(self):
        return f"{self.key}: {self.days if self.days is not None else '∞'}"


class PurgeSettings(models.Model):
    """How cleanup runs (one row, id 1): statistics after purging and the batch size.
    The retention of each data class is a RetentionPeriod."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    statistics_mode = models.CharField(
        _("statistics"),
        max_length=20,
        choices=StatisticsMode,
        default=StatisticsMode.VACUUM_ANALYZE,
        help_text=_(
            "After purging: VACUUM (ANALYZE) or ANALYZE the purged tables on PostgreSQL (ANALYZE on "
            "SQLite). VACUUM FULL, which locks a table while it rewrites it, is never run."
        ),
    )
    batch_size = models.PositiveIntegerField(
        _("batch size"),
        default=20000,
        validators=[MinValueValidator(MIN_BATCH_SIZE), MaxValueValidator(MAX_BATCH_SIZE)],
        help_text=_(
            "Rows deleted or changed per transaction. Smaller batches hold locks for less time; "
            "larger ones finish sooner."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("purge settings")
        verbose_name_plural = _("purge settings")
        constraints = [
            # One settings record: PurgeSettings.load() reads and writes row 1 only.
            models.CheckConstraint(condition=Q(id=1), name="campaign_purge_singleton"),
            models.CheckConstraint(
                condition=Q(batch_size__gte=MIN_BATCH_SIZE) & Q(batch_size__lte=MAX_BATCH_SIZE),
                name="campaign_purge_batch_size",
            ),
        ]

    def __str__(self):
        return str(_("Purge data"))

    @classmethod
    def load(cls):
        """The settings row, created with its defaults on first use."""
        return cls.objects.get_or_create(pk=cls.SINGLETON_ID)[0]


class SettingValue(models.Model):
    """The value of one declared setting ("<app_label>.<key>"), when it differs from
    the declaration's default or was saved once. Read through campaign.configuration."""

    key = models.CharField(_("setting"), max_length=150, unique=True)
    value = models.JSONField(_("value"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["key"]
        verbose_name = _("setting")
        verbose_name_plural = _("settings")

    def __str__(self):
        return self.key


class SettingChangeQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-changed_at", "-id")


class SettingChange(models.Model):
    """Who changed which setting (a declared setting, a retention period, how cleanup
    runs), when, from what to what: the audit of the Settings and Purge data screens."""

    key = models.CharField(_("setting"), max_length=150)
    before = models.CharField(_("before"), max_length=500, blank=True)
    after = models.CharField(_("after"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("time"))

    objects = SettingChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("setting change")
        verbose_name_plural = _("setting changes")
        indexes = [
            # The screens list the latest changes, of all settings or of some keys.
            models.Index(fields=["changed_at"], name="campaign_settingchange_time"),
        ]

    def __str__(self):
        return f"{self.key}: {self.before} → {self.after}"


class ReadMark(models.Model):
    """How far a consumer (e.g. the active-contact upkeep) has read the rows of a
    source (delivery logs, Message Center messages) in change order: every row below
    `position` was read. cleanup never purges a row some consumer has not read."""

    consumer = models.CharField(_("consumer"), max_length=100)
    source = models.CharField(_("source"), max_length=50)
    position = models.BigIntegerField(_("read up to (excluded)"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["consumer", "source"]
        verbose_name = _("read mark")
        verbose_name_plural = _("read marks")
        constraints = [
            # One mark per consumer and source: changes.advance() upserts it.
            models.UniqueConstraint(fields=["consumer", "source"], name="campaign_readmark_unique")
        ]

    def __str__(self):
        return f"{self.consumer} read {self.source} up to {self.position}"


class CleanupPreview(models.Model):
    """A dry run of cleanup, kept to be shown with its time (the home page never counts
    on load): computed by the home page's "Count now" button (a POST)."""

    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # [{step, label, what, table, action, rows, bytes, note}], as cleanup.preview gives them.
    rows = models.JSONField(_("rows"), default=list)
    rows_to_delete = models.BigIntegerField(_("rows to delete"), default=0)

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("cleanup dry run")
        verbose_name_plural = _("cleanup dry runs")
        indexes = [
            # The home page shows the latest one.
            models.Index(fields=["-computed_at"], name="campaign_cleanuppreview_time"),
        ]

    def __str__(self):
        return f"{self.rows_to_delete} rows at {self.computed_at:%Y-%m-%d %H:%M}"
