"""Forecasting: typology rules (pressure and capacity), and the forecasts the nightly
`forecasting` workflow builds for the deliveries of the provisional calendar.

A `Forecast` is one build: its forecast logs (one per targeted recipient and
provisional delivery), the profiles each delivery excludes under the pressure rules,
one summary per delivery and the forecast volume per channel and day against capacity.
A build is written beside the current forecast and takes its place in one short
transaction; the previous build is then deleted in batches. Screens read the current
forecast only, so they never see a half-built one, and a failed build leaves the
previous one in place.

The two large tables (forecast logs, exclusions) carry no database constraint on their
keys: they are written in bulk, set-based, from rows the same statement reads, and they
go with their delivery (DeliveryChild, cleanup) and with their build (the workflow).
A per-row key check would be paid on every one of millions of rows each night.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campaign.models import Channel, Delivery

from .choices import DeliveryOutcome, ForecastStatus, Recurrence

MAX_PERIOD_DAYS = 365


class PressureRule(models.Model):
    """At most `max_messages` messages per profile over `period_days` days, on one
    channel or all: messages sent plus messages forecast in the window centred on each
    planned date. Past the threshold, the lighter deliveries exclude the profile."""

    label = models.CharField(_("label"), max_length=200, unique=True)
    active = models.BooleanField(_("active"), default=True)
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "Empty: messages of every channel count, and deliveries of every channel are arbitrated."
        ),
    )
    max_messages = models.PositiveIntegerField(
        _("maximum messages"),
        validators=[MinValueValidator(1)],
        help_text=_("A profile may receive this many messages in the period; one more is excluded."),
    )
    period_days = models.PositiveIntegerField(
        _("period (days)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PERIOD_DAYS)],
        help_text=_(
            "Counted before and after each planned date: messages less than this many days "
            "before or after it are in its window."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["label"]
        verbose_name = _("pressure rule")
        verbose_name_plural = _("pressure rules")
        constraints = [
            models.CheckConstraint(condition=Q(max_messages__gte=1), name="forecasting_pressure_max_min"),
            models.CheckConstraint(
                condition=Q(period_days__gte=1) & Q(period_days__lte=MAX_PERIOD_DAYS),
                name="forecasting_pressure_period_range",
            ),
        ]

    def __str__(self):
        return self.label


class CapacityRule(models.Model):
    """A quantity of messages a channel can take per day (a call centre's 150 calls a
    day), on the days of its recurrence, within its validity. The rules of one channel
    that apply on a day add up; a channel with rules has no capacity on a day none of
    them covers (a call centre closed at the weekend), one without rules is unlimited."""

    label = models.CharField(_("label"), max_length=200, unique=True)
    active = models.BooleanField(_("active"), default=True)
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+"
    )
    daily_quantity = models.PositiveIntegerField(
        _("quantity per day"), validators=[MinValueValidator(1)], help_text=_("Messages per day.")
    )
    recurrence = models.CharField(
        _("recurrence"), max_length=20, choices=Recurrence, default=Recurrence.WORKING_DAYS
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True, help_text=_("Included."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["channel", "label"]
        verbose_name = _("capacity rule")
        verbose_name_plural = _("capacity rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(daily_quantity__gte=1), name="forecasting_capacity_quantity_min"
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="forecasting_capacity_validity_order",
            ),
        ]

    def __str__(self):
        return self.label

    def clean(self):
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end of validity comes before its start.")})

    def applies_on(self, day):
        """Whether the rule's quantity is available on `day` (a local date)."""
        if not self.active:
            return False
        if (self.valid_from and day < self.valid_from) or (self.valid_until and day > self.valid_until):
            return False
        return self.recurrence == Recurrence.EVERY_DAY or day.weekday() < 5


def run_reference():
    """The workflow run that built the row: no database constraint, since cleanup purges
    run history with set-based SQL and a forecast may outlive its run's row."""
    return models.ForeignKey(
        "workflows.WorkflowRun",
        verbose_name=_("run"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )


class ForecastQuerySet(models.QuerySet):
    def current(self):
        return self.filter(status=ForecastStatus.CURRENT)

    def stale(self, keep):
        """Builds to delete: every one but `keep` (ids) that is not current."""
        return self.exclude(status=ForecastStatus.CURRENT).exclude(pk__in=keep)


class Forecast(models.Model):
    """One build of the forecast, by one run of the workflow (the current one is what
    the provisional calendar shows)."""

    computed_at = models.DateTimeField(_("computed at"))
    horizon_end = models.DateTimeField(_("horizon end"))
    status = models.CharField(
        _("status"), max_length=20, choices=ForecastStatus, default=ForecastStatus.BUILDING
    )
    run = run_reference()
    deliveries = models.PositiveIntegerField(_("deliveries analysed"), default=0)
    logs = models.BigIntegerField(_("forecast logs"), default=0)
    excluded = models.BigIntegerField(_("profiles excluded"), default=0)
    overruns = models.PositiveIntegerField(_("capacity overruns"), default=0)
    duration = models.FloatField(_("build time (s)"), default=0)

    objects = ForecastQuerySet.as_manager()

    class Meta:
        ordering = ["-computed_at", "-id"]
        verbose_name = _("forecast")
        verbose_name_plural = _("forecasts")
        constraints = [
            # One current forecast: the switch to a new build supersedes the old one first.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=ForecastStatus.CURRENT),
                name="forecasting_forecast_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.computed_at:%Y-%m-%d %H:%M} ({self.status})"


class ForecastLog(models.Model):
    """One recipient a provisional delivery would reach (Adobe's forecastLog), with the
    planned date and the message weight: what pressure rules count."""

    id = models.BigAutoField(primary_key=True)
    forecast = models.ForeignKey(
        Forecast, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    # Indexed by forecasting_log_delivery (named, with its query).
    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("delivery"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    # A recipient: targets select recipients (campaign.targeting).
    profile_id = models.BigIntegerField(_("recipient id"))
    planned_at = models.DateTimeField(_("planned date"))
    weight = models.PositiveSmallIntegerField(_("message weight"))

    class Meta:
        ordering = ["planned_at", "id"]
        verbose_name = _("forecast log")
        verbose_name_plural = _("forecast logs")
        indexes = [
            # cleanup deletes a purged delivery's logs; a delivery's targeted recipients.
            models.Index(fields=["delivery", "profile_id"], name="forecasting_log_delivery"),
            # cleanup purges by planned date; the workflow deletes a replaced build by it.
            models.Index(fields=["planned_at"], name="forecasting_log_planned"),
        ]

    def __str__(self):
        return f"{self.delivery_id}/recipient:{self.profile_id}"


class ForecastExclusion(models.Model):
    """A profile a provisional delivery excludes under one pressure rule: the profile
    would get more messages than the rule allows, and this delivery ranks past the
    threshold (lighter, or as heavy and planned later)."""

    id = models.BigAutoField(primary_key=True)
    forecast = models.ForeignKey(
        Forecast, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    # Indexed by forecasting_exclusion_delivery (named, with its query).
    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("delivery"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    profile_id = models.BigIntegerField(_("recipient id"))
    rule = models.ForeignKey(
        PressureRule,
        verbose_name=_("pressure rule"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    planned_at = models.DateTimeField(_("planned date"))

    class Meta:
        ordering = ["planned_at", "id"]
        verbose_name = _("pressure exclusion")
        verbose_name_plural = _("pressure exclusions")
        indexes = [
            # cleanup deletes a purged delivery's exclusions; the profiles a delivery excludes.
            models.Index(fields=["delivery", "profile_id"], name="forecasting_exclusion_delivery"),
            # cleanup purges by planned date; the workflow deletes a replaced build by it.
            models.Index(fields=["planned_at"], name="forecasting_exclusion_planned"),
        ]

    def __str__(self):
        return f"{self.delivery_id}/recipient:{self.profile_id} ({self.rule_id})"


class DeliveryForecastQuerySet(models.QuerySet):
    def current(self):
        return self.filter(forecast__status=ForecastStatus.CURRENT)

    def planned_between(self, start, end):
        return self.filter(planned_at__gte=start, planned_at__lt=end)


class DeliveryForecast(models.Model):
    """What one build forecast for one provisional delivery: recipients targeted,
    profiles excluded by pressure rules (in all and per rule), the volume left."""

    # Indexed by forecasting_delivery_unique (forecast, delivery).
    forecast = models.ForeignKey(
        Forecast, on_delete=models.DO_NOTHING, db_index=False, related_name="delivery_forecasts"
    )
    # Its index serves cleanup, which deletes a purged delivery's rows.
    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.DO_NOTHING, related_name="+"
    )
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+"
    )
    planned_at = models.DateTimeField(_("planned date"))
    day = models.DateField(_("day"))
    weight = models.PositiveSmallIntegerField(_("message weight"))
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=DeliveryOutcome, default=DeliveryOutcome.FORECAST
    )
    targeted = models.BigIntegerField(_("recipients targeted"), default=0)
    excluded = models.BigIntegerField(_("profiles excluded"), default=0)
    # {pressure rule id: profiles it excludes}; a profile two rules exclude is under both.
    excluded_per_rule = models.JSONField(_("excluded per rule"), default=dict, blank=True)

    objects = DeliveryForecastQuerySet.as_manager()

    class Meta:
        ordering = ["planned_at", "delivery"]
        verbose_name = _("delivery forecast")
        verbose_name_plural = _("delivery forecasts")
        constraints = [
            models.UniqueConstraint(fields=["forecast", "delivery"], name="forecasting_delivery_unique"),
        ]
        indexes = [
            # the provisional calendar reads the current build's deliveries by planned date.
            models.Index(fields=["planned_at"], name="forecasting_delivery_planned"),
        ]

    def __str__(self):
        return f"{self.delivery_id}: {self.volume}"

    @property
    def volume(self):
        """Messages the delivery would send: recipients targeted less those excluded."""
        return self.targeted - self.excluded


class ChannelDayLoad(models.Model):
    """The forecast volume of one channel on one day (local time) against the
    capacity its rules give that day; `capacity` is empty for a channel without rules."""

    # Indexed by forecasting_load_unique (forecast, day, channel).
    forecast = models.ForeignKey(Forecast, on_delete=models.DO_NOTHING, db_index=False, related_name="loads")
    channel = models.ForeignKey(
        Channel, verbose_name=_("channel"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    volume = models.BigIntegerField(_("forecast volume"))
    capacity = models.BigIntegerField(_("capacity"), null=True, blank=True)
    overrun = models.BooleanField(_("capacity overrun"), default=False)

    class Meta:
        ordering = ["day", "channel"]
        verbose_name = _("channel load")
        verbose_name_plural = _("channel loads")
        constraints = [
            # The calendar reads a build's loads by day; one row per channel and day.
            models.UniqueConstraint(fields=["forecast", "day", "channel"], name="forecasting_load_unique"),
        ]

    def __str__(self):
        return f"{self.day} {self.channel_id}: {self.volume}/{self.capacity}"
