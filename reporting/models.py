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

from campaign.choices import ProfileTable
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
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, verbose_name=_("channel"))
    last_activity_at = models.DateTimeField(_("last activity"))

    objects = ActiveContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("active contact")
        verbose_name_plural = _("active contacts")
        constraints = [
            # The upkeep's INSERT … ON CONFLICT targets it; the count of a small profile
            # table reads its rows through it (bitmap scan on the profile_table prefix).
            models.UniqueConstraint(
                fields=["profile_table", "profile_id", "channel"], name="reporting_activecontact_unique"
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
