"""Tracking: consolidated tracking logs, 5-minute statistics, delivery indicators,
Message Center statistics per event type and day, the parsed user agents and the
consolidation pointer.

The raw hits stay a core table (campaign.TrackingHit): the public endpoints append to
it, the `tracking` workflow consumes it (campaign/tracking/consolidation.py). Large
tables reference their parents with DO_NOTHING and are purged by cleanup's set-based
batches; keys to a delivery log or a tracking URL carry no database constraint, since
delivery logs are purged after 180 days while tracking logs are kept 360.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.choices import ProfileTable, TrackingKind
from campaign.models import Channel, Delivery, DeliveryLog, EventType, TrackingUrl


class UserAgent(models.Model):
    """A distinct user-agent string seen in tracking, parsed once with ua-parser."""

    text = models.CharField(_("user agent"), max_length=500)
    browser = models.CharField(_("browser"), max_length=100, blank=True)
    browser_version = models.CharField(_("browser version"), max_length=50, blank=True)
    os = models.CharField(_("operating system"), max_length=100, blank=True)
    os_version = models.CharField(_("OS version"), max_length=50, blank=True)
    device = models.CharField(_("device"), max_length=100, blank=True)
    is_robot = models.BooleanField(_("robot"), default=False)
    parsed = models.BooleanField(_("parsed"), default=False)
    first_seen_at = models.DateTimeField(_("first seen"))

    class Meta:
        ordering = ["browser", "os", "id"]
        verbose_name = _("user agent")
        verbose_name_plural = _("user agents")
        constraints = [
            # Consolidation joins a hit's user-agent text to its row, and adds the new ones.
            models.UniqueConstraint(fields=["text"], name="tracking_useragent_unique_text"),
        ]
        indexes = [
            # Consolidation parses the rows it added (few: one per new distinct string).
            models.Index(fields=["id"], name="tracking_useragent_unparsed", condition=models.Q(parsed=False)),
        ]

    def __str__(self):
        return f"{self.browser or '?'} / {self.os or '?'}"


class TrackingLogQuerySet(models.QuerySet):
    def of_delivery(self, delivery):
        return self.filter(delivery=delivery)

    def between(self, start, end):
        return self.filter(tracked_at__gte=start, tracked_at__lt=end)


class TrackingLog(models.Model):
    """One consolidated tracking line (Adobe's nms:trackingLogRcp): who did what on which
    link of which delivery, when, with which browser."""

    # The raw hit it comes from: consolidating the same hit twice writes nothing.
    hit_id = models.BigIntegerField(_("raw hit"))
    # Indexed by tracking_log_delivery (delivery, time), not by a second index.
    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.DO_NOTHING, db_index=False, related_name="+"
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
    profile_table = models.CharField(_("profile table"), max_length=20, choices=ProfileTable)
    profile_id = models.BigIntegerField(_("profile id"))
    url = models.ForeignKey(
        TrackingUrl,
        verbose_name=_("URL"),
        on_delete=models.DO_NOTHING,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(_("URL type"), max_length=20, choices=TrackingKind)
    tracked_at = models.DateTimeField(_("time"))
    user_agent = models.ForeignKey(
        UserAgent,
        verbose_name=_("user agent"),
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )

    objects = TrackingLogQuerySet.as_manager()

    class Meta:
        ordering = ["-tracked_at", "-id"]
        verbose_name = _("tracking log")
        verbose_name_plural = _("tracking logs")
        constraints = [
            # Idempotent consolidation: a batch probes the id range of its hits here.
            models.UniqueConstraint(fields=["hit_id"], name="tracking_log_unique_hit"),
        ]
        indexes = [
            # Indicators and the delivery report read a delivery's lines (by time); the
            # deleted-delivery purge removes them.
            models.Index(fields=["delivery", "tracked_at"], name="tracking_log_delivery"),
            # cleanup purges by age; reportingAggregates reads the days it rebuilds.
            models.Index(fields=["tracked_at"], name="tracking_log_tracked_at"),
        ]

    def __str__(self):
        return f"{self.delivery_id}/{self.profile_table}:{self.profile_id} {self.kind}"


class TrackingStatistic(models.Model):
    """Consolidated tracking (Adobe's nms:trackingStats): hits per delivery, URL and
    5-minute bucket, read by the reports instead of the tracking logs."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.DO_NOTHING, db_index=False, related_name="+"
    )
    url = models.ForeignKey(
        TrackingUrl,
        verbose_name=_("URL"),
        on_delete=models.DO_NOTHING,
        db_index=False,
        db_constraint=False,
        related_name="+",
    )
    kind = models.CharField(_("URL type"), max_length=20, choices=TrackingKind)
    bucket = models.DateTimeField(_("5-minute period"))
    hits = models.PositiveIntegerField(_("hits"), default=0)

    class Meta:
        ordering = ["-bucket", "delivery", "url"]
        verbose_name = _("consolidated tracking statistic")
        verbose_name_plural = _("consolidated tracking statistics")
        constraints = [
            # Consolidation adds each batch's hits with INSERT … ON CONFLICT on this key;
            # the delivery report reads a delivery's rows through its prefix.
            models.UniqueConstraint(
                fields=["delivery", "url", "kind", "bucket"], name="tracking_stat_unique_bucket"
            ),
        ]
        indexes = [
            # cleanup purges by age.
            models.Index(fields=["bucket"], name="tracking_stat_bucket"),
        ]

    def __str__(self):
        return f"{self.delivery_id}/{self.url_id} {self.bucket:%Y-%m-%d %H:%M}: {self.hits}"


class DeliveryIndicators(models.Model):
    """The tracking indicators of one delivery (Adobe's nms:delivery/indicators), as the
    last `tracking` run recomputed them; rates are None while their base is 0."""

    delivery = models.OneToOneField(
        Delivery,
        verbose_name=_("delivery"),
        on_delete=models.DO_NOTHING,
        primary_key=True,
        related_name="+",
    )
    to_deliver = models.PositiveIntegerField(_("to deliver"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    sent = models.PositiveIntegerField(_("sent (success)"), default=0)
    delivered = models.PositiveIntegerField(_("delivered"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    # Text-format messages cannot register opens (the estimate below corrects for them);
    # delivery logs here carry no format, so this is 0.
    text_messages = models.PositiveIntegerField(_("text-format messages"), default=0)
    recipient_opens = models.PositiveIntegerField(_("recipients who opened"), default=0)
    total_opens = models.PositiveIntegerField(_("opens"), default=0)
    estimated_recipient_opens = models.FloatField(_("estimated recipients who opened"), default=0)
    estimated_total_opens = models.FloatField(_("estimated opens"), default=0)
    recipient_clicks = models.PositiveIntegerField(_("recipients who clicked"), default=0)
    total_clicks = models.PositiveIntegerField(_("clicks"), default=0)
    opt_outs = models.PositiveIntegerField(_("opt-outs"), default=0)
    mirror_pages = models.PositiveIntegerField(_("mirror page views"), default=0)
    web_pages = models.PositiveIntegerField(_("web pages"), default=0)
    transactions = models.PositiveIntegerField(_("transactions"), default=0)
    interested = models.PositiveIntegerField(_("interested (offer links)"), default=0)
    open_rate = models.FloatField(_("open rate"), null=True, blank=True)
    click_rate = models.FloatField(_("click rate"), null=True, blank=True)
    reactivity = models.FloatField(_("reactivity"), null=True, blank=True)
    opt_out_rate = models.FloatField(_("opt-out rate"), null=True, blank=True)
    first_hit_at = models.DateTimeField(_("first hit"), null=True, blank=True)
    last_hit_at = models.DateTimeField(_("last hit"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-computed_at"]
        verbose_name = _("delivery indicators")
        verbose_name_plural = _("delivery indicators")

    def __str__(self):
        return f"{self.delivery_id}: {self.recipient_opens} opened, {self.recipient_clicks} clicked"


class StaleIndicators(models.Model):
    """A delivery whose indicators must be recomputed: written in the same transaction
    as the tracking logs that changed them, removed when they are recomputed, so a run
    killed in between leaves the work to the next one."""

    delivery = models.OneToOneField(
        Delivery, verbose_name=_("delivery"), on_delete=models.DO_NOTHING, primary_key=True, related_name="+"
    )
    since = models.DateTimeField(_("since"))

    class Meta:
        ordering = ["since"]
        verbose_name = _("delivery with stale indicators")
        verbose_name_plural = _("deliveries with stale indicators")

    def __str__(self):
        return str(self.delivery_id)


class EventStatistic(models.Model):
    """Message Center statistics of one event type, channel and day (the "statistics of
    event processing" Adobe keeps 360 days), recomputed by `tracking`."""

    day = models.DateField(_("day"))
    # No constraint or index of their own: the statistics outlive the events (30 days
    # against 360) and are read by day, through the unique constraint.
    event_type = models.ForeignKey(
        EventType,
        verbose_name=_("event type"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    channel = models.ForeignKey(
        Channel,
        verbose_name=_("channel"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    received = models.PositiveIntegerField(_("received"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    errors = models.PositiveIntegerField(_("in error"), default=0)
    ignored = models.PositiveIntegerField(_("ignored"), default=0)
    pending = models.PositiveIntegerField(_("pending"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["-day", "event_type", "channel"]
        verbose_name = _("Message Center event statistic")
        verbose_name_plural = _("Message Center event statistics")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "event_type", "channel"], name="tracking_eventstat_unique_day"
            ),
        ]
        # The unique constraint's "day" prefix serves both the recompute (delete the
        # recent days) and cleanup's purge by age.

    def __str__(self):
        return f"{self.day} {self.event_type_id}/{self.channel_id}: {self.received}"


class TrackingPointer(models.Model):
    """Where consolidation stands (Adobe's NmsTracking_Pointer and
    NmsTracking_LastConsolidation): one row, id 1, advanced by every batch."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    last_hit_id = models.BigIntegerField(_("last hit consolidated"), default=0)
    last_hit_at = models.DateTimeField(_("time of the last hit consolidated"), null=True, blank=True)
    consolidated_at = models.DateTimeField(_("last consolidation"), null=True, blank=True)
    hits_consolidated = models.BigIntegerField(_("hits consolidated"), default=0)
    hits_skipped = models.BigIntegerField(_("hits skipped"), default=0)

    class Meta:
        verbose_name = _("tracking pointer")
        verbose_name_plural = _("tracking pointer")
        constraints = [
            # One row: consolidation reads and writes row 1 only.
            models.CheckConstraint(condition=models.Q(id=1), name="tracking_pointer_singleton"),
        ]

    def __str__(self):
        return f"#{self.last_hit_id}"

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=cls.SINGLETON_ID)[0]
