"""Cubes, aggregates, active profiles, Customer metrics and the billing report.

Active profiles: `ActiveContact` keeps, per profile and channel, the last time a
delivery targeted the profile or a message reached it. It is brought up to date every
day from the delivery logs and Message Center messages, so the 12-month window survives
the purge of delivery logs after 180 days. Each count is stored as an immutable
`ActiveProfileSnapshot`. The monthly billing report is a `BillingReport`, one per period.

Links to workflow runs carry no database constraint: the cleanup workflow purges run
history with set-based SQL, and a snapshot or report must outlive its run.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.choices import FailureReason, FailureType, LogStatus, ProfileTable
from campaign.models import Channel


class ActiveContactQuerySet(models.QuerySet):
    def active_within(self, start, end):
        """Contacts whose last activity is in [start, end] (both included)."""
        return self.filter(last_activity_at__gte=start, last_activity_at__lte=end)


class ActiveContact(models.Model):
    """The last activity of one profile on one channel (Adobe's nms:activeContact).

    One row per channel, not per profile, so that the per-channel breakdown is also
    counted from this table once the delivery logs are purged."""

    profile_table = models.CharField(_("profile table"), max_length=20, choices=ProfileTable)
    profile_id = models.BigIntegerField(_("profile id"))
    # No index of its own: the count reads every billable channel (a scan either way),
    # and the first run's bulk build would spend 1.4 s at 2.7 M rows rebuilding it.
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name=_("channel"), db_index=False)
    last_activity_at = models.DateTimeField(_("last activity"))

    objects = ActiveContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("active contact")
        verbose_name_plural = _("active contacts")
        constraints = [
            # The upkeep's INSERT … ON CONFLICT targets it. The profile id comes first: the
            # first run's bulk build sorts it on an integer rather than on the text column
            # (1.4 s instead of 3.6 s at 2.7 M rows); nothing reads it by profile table.
            models.UniqueConstraint(
                fields=["profile_id", "profile_table", "channel"], name="reporting_activecontact_unique"
            ),
        ]
        indexes = [
            # cleanup deletes the contacts whose last activity left the window.
            models.Index(fields=["last_activity_at"], name="reporting_activecontact_last"),
        ]

    def __str__(self):
        return f"{self.profile_table}:{self.profile_id} ({self.channel_id})"


class ActiveContactPending(models.Model):
    """An activity dated in the future (a scheduled delivery's log), kept until its time
    comes: the upkeep then folds it into the active contacts."""

    profile_table = models.CharField(_("profile table"), max_length=20, choices=ProfileTable)
    profile_id = models.BigIntegerField(_("profile id"))
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name=_("channel"))
    due_at = models.DateTimeField(_("activity time"))

    class Meta:
        verbose_name = _("pending activity")
        verbose_name_plural = _("pending activities")
        indexes = [
            # The upkeep releases the activities whose time has come.
            models.Index(fields=["due_at"], name="reporting_pending_due"),
        ]

    def __str__(self):
        return f"{self.profile_table}:{self.profile_id} at {self.due_at:%Y-%m-%d %H:%M}"


class ActiveContactSync(models.Model):
    """How far the upkeep read each source by event time, before it read by change order
    (campaign.changes). Read once by the first upkeep after the upgrade, then emptied."""

    class Source(models.TextChoices):
        DELIVERY_LOGS = "delivery_logs", _("Delivery logs")
        MESSAGES = "messages", _("Message Center messages")

    source = models.CharField(_("source"), max_length=20, choices=Source, unique=True)
    synced_until = models.DateTimeField(_("read until"))

    class Meta:
        verbose_name = _("active contacts upkeep mark")
        verbose_name_plural = _("active contacts upkeep marks")

    def __str__(self):
        return f"{self.source} until {self.synced_until:%Y-%m-%d %H:%M}"


def run_reference(verbose_name):
    """The workflow run that wrote the row: no database constraint (see above)."""
    return models.ForeignKey(
        "workflows.WorkflowRun",
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )


class ImmutableError(ValidationError):
    pass


class ActiveProfileSnapshotQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-computed_at", "-id")

    def since(self, moment):
        return self.filter(computed_at__gte=moment)


class ActiveProfileSnapshot(models.Model):
    """One count of active profiles: immutable once written."""

    computed_at = models.DateTimeField(_("computed at"))
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    window_months = models.PositiveSmallIntegerField(_("window (months)"))
    # The definition in force: channels not counted (codes), e.g. ["facebook", "twitter"].
    excluded_channels = models.JSONField(_("excluded channels"), default=list)
    total = models.BigIntegerField(_("active profiles"))
    # {profile table: active profiles}
    per_table = models.JSONField(_("per profile table"), default=dict)
    # {channel code: active profiles}; a profile active on two channels is under both.
    per_channel = models.JSONField(_("per channel"), default=dict)
    # {profile table: all profiles of the table}
    profiles_per_table = models.JSONField(_("profiles per table"), default=dict)
    # {external profile kind: profiles linked to a recipient}; information only.
    linked_to_recipient = models.JSONField(_("external profiles linked to a recipient"), default=dict)
    run = run_reference(_("run"))
    duration_ms = models.PositiveIntegerField(_("count time (ms)"), default=0)
    # Counted later, straight from the logs and messages of that date (reporting.backfill),
    # not by the daily run at that date.
    backfilled = models.BooleanField(_("backfilled"), default=False)

    objects = ActiveProfileSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("active profile snapshot")
        verbose_name_plural = _("active profile snapshots")
        ordering = ["-computed_at", "-id"]
        permissions = [("recount_active_profiles", _("Can recount active profiles now"))]
        indexes = [
            # Customer metrics: the latest snapshot, and the daily series over 30 days / 1 year.
            models.Index(fields=["computed_at"], name="reporting_snapshot_computed"),
        ]

    def __str__(self):
        return f"{self.total} active profiles at {self.computed_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableError(_("An active profile snapshot cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(_("An active profile snapshot cannot be deleted."))

    @property
    def total_profiles(self):
        return sum(self.profiles_per_table.values())


class BillingReportQuerySet(models.QuerySet):
    def unsent(self):
        return self.filter(sent_at__isnull=True)


class BillingReport(models.Model):
    """The monthly activity report of one period; the unique period makes the database
    itself refuse a second report, and `sent_at` a second automatic email."""

    period_start = models.DateField(_("from (included)"))
    period_end = models.DateField(_("to (included)"))
    computed_at = models.DateTimeField(_("computed at"))
    # Summary figures, the email and SMS delivery tables and the active-profile count, as
    # computed once: a retry or a resend sends these, not a recomputation.
    figures = models.JSONField(_("figures"), default=dict)
    language = models.CharField(_("language"), max_length=5)
    run = run_reference(_("computed by run"))
    # Set while an email is being handed to SMTP: a second sender backs off.
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_to = models.EmailField(_("sent to"), blank=True)
    resend_count = models.PositiveIntegerField(_("resent"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    objects = BillingReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("billing report")
        verbose_name_plural = _("billing reports")
        ordering = ["-period_start"]
        permissions = [("resend_billingreport", _("Can resend a billing report"))]
        constraints = [
            # Exactly one report per period: the billing run's get-or-create relies on it.
            models.UniqueConstraint(fields=["period_start"], name="reporting_billingreport_one_per_period"),
        ]
        indexes = [
            # The billing run sends the reports of earlier periods still unsent.
            models.Index(
                fields=["period_start"],
                name="reporting_billingreport_unsent",
                condition=models.Q(sent_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d}"


# --- Delivery reports: the daily aggregates rebuilt by reportingAggregates -------------
# Days are local days (TIME_ZONE). Rows with a delivery go with it when cleanup purges a
# deleted delivery (reporting's contributions.py declares them as delivery children).


class AggregateBuildQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-built_at", "-id")


class AggregateBuild(models.Model):
    """One rebuild of the delivery report aggregates: when, which days, how far it read
    (the marks the next rebuild starts from). The report pages state the latest."""

    built_at = models.DateTimeField(_("built at"))
    full = models.BooleanField(_("full rebuild"), default=False)
    first_day = models.DateField(_("first day rebuilt"), null=True, blank=True)
    last_day = models.DateField(_("last day rebuilt"), null=True, blank=True)
    days = models.PositiveIntegerField(_("days rebuilt"), default=0)
    rows = models.PositiveIntegerField(_("rows written"), default=0)
    # Tracking logs are written by one tracking run at a time, batch after batch: every
    # id up to the largest one read had committed, so the next rebuild reads after it.
    tracking_log_id = models.BigIntegerField(_("last tracking log read"), default=0)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    run = run_reference(_("run"))

    objects = AggregateBuildQuerySet.as_manager()

    class Meta:
        ordering = ["-built_at", "-id"]
        verbose_name = _("delivery report aggregate build")
        verbose_name_plural = _("delivery report aggregate builds")
        indexes = [
            # The report pages and the next rebuild read the latest build.
            models.Index(fields=["built_at"], name="reporting_aggbuild_built"),
        ]

    def __str__(self):
        return f"{self.built_at:%Y-%m-%d %H:%M}: {self.days} days"


def delivery_reference():
    """A row's delivery: goes with it (delivery child), read by delivery and day."""
    return models.ForeignKey(
        "campaign.Delivery",
        verbose_name=_("delivery"),
        on_delete=models.DO_NOTHING,
        db_index=False,
        related_name="+",
    )


class DeliveryDayQuerySet(models.QuerySet):
    def between(self, first_day, last_day):
        return self.filter(day__gte=first_day, day__lte=last_day)


class DeliveryDay(models.Model):
    """What happened to one delivery on one local day: its messages by status and
    failure type (by the day of their last event), its opens and clicks (by the day of
    the hit). Unique opens and clicks are distinct recipients of that day."""

    day = models.DateField(_("day"))
    delivery = delivery_reference()
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.DO_NOTHING, db_index=False, related_name="+"
    )
    targeted = models.PositiveIntegerField(_("targeted"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    delivered = models.PositiveIntegerField(_("delivered"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    failed_hard = models.PositiveIntegerField(_("hard failures"), default=0)
    failed_soft = models.PositiveIntegerField(_("soft failures"), default=0)
    failed_ignored = models.PositiveIntegerField(_("ignored failures"), default=0)
    opens = models.PositiveIntegerField(_("opens"), default=0)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)
    unique_opens = models.PositiveIntegerField(_("unique opens"), default=0)
    unique_clicks = models.PositiveIntegerField(_("unique clicks"), default=0)

    objects = DeliveryDayQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "delivery"]
        verbose_name = _("delivery day")
        verbose_name_plural = _("delivery days")
        constraints = [
            # One row per delivery and day; the rebuild deletes its days through the prefix.
            models.UniqueConstraint(fields=["day", "delivery"], name="reporting_deliveryday_unique"),
        ]
        indexes = [
            # The delivery report reads one delivery's days; the deleted-delivery purge too.
            models.Index(fields=["delivery", "day"], name="reporting_deliveryday_delivery"),
        ]

    def __str__(self):
        return f"{self.day} {self.delivery_id}"


class DeliveryFailureDay(models.Model):
    """Failed and ignored messages of one delivery and local day, by type and reason."""

    day = models.DateField(_("day"))
    delivery = delivery_reference()
    status = models.CharField(_("status"), max_length=20, choices=LogStatus)
    failure_type = models.CharField(_("failure type"), max_length=10, choices=FailureType, blank=True)
    failure_reason = models.CharField(_("failure reason"), max_length=30, choices=FailureReason, blank=True)
    messages = models.PositiveIntegerField(_("messages"), default=0)

    objects = DeliveryDayQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "delivery", "-messages"]
        verbose_name = _("failures of a delivery day")
        verbose_name_plural = _("failures of delivery days")
        indexes = [
            # The rebuild deletes its days; the statistics page reads a range of days.
            models.Index(fields=["day"], name="reporting_failureday_day"),
            # The delivery report reads one delivery's failures; the deleted-delivery purge too.
            models.Index(fields=["delivery", "day"], name="reporting_failureday_delivery"),
        ]

    def __str__(self):
        return f"{self.day} {self.delivery_id} {self.failure_reason}: {self.messages}"


class DomainDay(models.Model):
    """Messages of one delivery and local day per recipient domain (the part of the
    address after "@"), with their failures."""

    day = models.DateField(_("day"))
    delivery = delivery_reference()
    domain = models.CharField(_("domain"), max_length=254)
    messages = models.PositiveIntegerField(_("messages"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    failed_hard = models.PositiveIntegerField(_("hard failures"), default=0)
    failed_soft = models.PositiveIntegerField(_("soft failures"), default=0)

    objects = DeliveryDayQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "delivery", "-failed"]
        verbose_name = _("recipient domain of a delivery day")
        verbose_name_plural = _("recipient domains of delivery days")
        indexes = [
            # The rebuild deletes its days.
            models.Index(fields=["day"], name="reporting_domainday_day"),
            # The delivery report reads one delivery's domains; the deleted-delivery purge too.
            models.Index(fields=["delivery", "day"], name="reporting_domainday_delivery"),
        ]

    def __str__(self):
        return f"{self.day} {self.delivery_id} {self.domain}: {self.failed}/{self.messages}"


class UserAgentDay(models.Model):
    """Internet browser statistics (Adobe's nms:userAgentsStats): per local day, the
    visitors (distinct profiles) and hits of each browser, and of each operating system."""

    class Dimension(models.TextChoices):
        BROWSER = "browser", _("Browser")
        OS = "os", _("Operating system")

    day = models.DateField(_("day"))
    dimension = models.CharField(_("by"), max_length=10, choices=Dimension)
    name = models.CharField(_("name"), max_length=100)
    visitors = models.PositiveIntegerField(_("visitors"), default=0)
    hits = models.PositiveIntegerField(_("hits"), default=0)

    objects = DeliveryDayQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "dimension", "-visitors"]
        verbose_name = _("browser statistics of a day")
        verbose_name_plural = _("browser statistics of days")
        constraints = [
            # One row per day and browser (or OS); the rebuild deletes its days through it.
            models.UniqueConstraint(fields=["day", "dimension", "name"], name="reporting_uaday_unique"),
        ]

    def __str__(self):
        return f"{self.day} {self.dimension} {self.name}: {self.visitors}"
