"""What the delivery report pages show, read from the aggregates (reportingAggregates)
and from tracking's indicators and 5-minute statistics: plain functions that take the
delivery or the filters and return figures (no request, no template).

- `delivery_report(delivery)`: the indicators, opens and clicks per hour over the first
  days and per day, failures by reason and by domain, the top links;
- `statistics(start, end, channel)`: per delivery over a range of days (the additive
  figures summed over the days; unique opens and clicks are distinct per day, so their
  sum counts a recipient once per day), the totals and the daily series.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock

from django.db.models import F, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from campaign.choices import FailureReason, FailureType, LogStatus, TrackingKind
from campaign.models import Delivery, TrackingUrl
from campaign.tracking.choices import ADOBE_URL_TYPE
from campaign.tracking.models import DeliveryIndicators, TrackingPointer, TrackingStatistic

from .models import AggregateBuild, DeliveryDay, DeliveryFailureDay, DomainDay

HOURLY_SPAN = timedelta(hours=72)
TOP = 10
ADDITIVE = (
    "targeted",
    "sent",
    "delivered",
    "failed",
    "failed_hard",
    "failed_soft",
    "opens",
    "clicks",
    "unique_opens",
    "unique_clicks",
)


def latest_build():
    return AggregateBuild.objects.latest_first().first()


def last_consolidation():
    pointer = TrackingPointer.objects.filter(pk=TrackingPointer.SINGLETON_ID).first()
    return pointer.consolidated_at if pointer else None


def share(part, whole):
    """A percentage with one decimal, or None without a base."""
    return round(100 * part / whole, 1) if whole else None


@dataclass
class DeliveryReport:
    delivery: Delivery
    indicators: DeliveryIndicators | None
    hourly: list = field(default_factory=list)  # (hour, opens, clicks)
    daily: list = field(default_factory=list)  # (day, sent, opens, clicks, unique opens)
    reasons: list = field(default_factory=list)  # dicts: status, failure_type, failure_reason, messages
    domains: list = field(default_factory=list)  # dicts: domain, messages, failed, failed_hard, share
    links: list = field(default_factory=list)  # dicts: url, label, kind, adobe_type, hits


def _hourly(delivery):
    """Opens and clicks per hour from the first hit over HOURLY_SPAN (5-minute statistics
    summed per hour), every hour of the span shown, quiet ones at 0."""
    stats = TrackingStatistic.objects.filter(delivery=delivery)
    first = stats.aggregate(first=Min("bucket"))["first"]
    if first is None:
        return []
    rows = (
        stats.filter(bucket__lt=first + HOURLY_SPAN)
        .annotate(hour=TruncHour("bucket", tzinfo=UTC))
        .values("hour")
        .annotate(
            opens=Coalesce(Sum("hits", filter=Q(kind=TrackingKind.OPEN)), 0),
            clicks=Coalesce(Sum("hits", filter=Q(kind=TrackingKind.CLICK)), 0),
        )
        .order_by("hour")
    )
    found = {row["hour"]: (row["opens"], row["clicks"]) for row in rows}
    hour, last = min(found), max(found)
    series = []
    while hour <= last:  # at most HOURLY_SPAN hours: a few dozen points
        series.append((hour, *found.get(hour, (0, 0))))
        hour += timedelta(hours=1)
    return series


def delivery_report(delivery):
    report = DeliveryReport(delivery, DeliveryIndicators.objects.filter(delivery=delivery).first())
    report.hourly = _hourly(delivery)
    report.daily = list(
        DeliveryDay.objects.filter(delivery=delivery)
        .order_by("day")
        .values_list("day", "sent", "opens", "clicks", "unique_opens")
    )
    reasons = (
        DeliveryFailureDay.objects.filter(delivery=delivery)
        .values("status", "failure_type", "failure_reason")
        .annotate(messages=Sum("messages"))
        .order_by("-messages", "failure_reason")
    )
    report.reasons = [
        {
            **row,
            "status_label": LogStatus(row["status"]).label,
            "type_label": FailureType(row["failure_type"]).label if row["failure_type"] else "",
            "reason_label": FailureReason(row["failure_reason"]).label if row["failure_reason"] else "",
        }
        for row in reasons
    ]
    domains = (
        DomainDay.objects.filter(delivery=delivery)
        .values("domain")
        .annotate(messages=Sum("messages"), failed=Sum("failed"), failed_hard=Sum("failed_hard"))
        .order_by("-failed", "-messages", "domain")[:TOP]
    )
    report.domains = [{**row, "share": share(row["failed"], row["messages"])} for row in domains]
    urls = {url.pk: url for url in TrackingUrl.objects.filter(delivery=delivery)}
    links = (
        TrackingStatistic.objects.filter(delivery=delivery)
        .exclude(kind=TrackingKind.OPEN)
        .values("url_id")
        .annotate(hits=Sum("hits"))
        .order_by("-hits", "url_id")[:TOP]
    )
    for row in links:
        url = urls.get(row["url_id"])
        kind = url.kind if url else ""
        report.links.append(
            {
                "url": url.url if url else "",
                "label": (url.label or url.url) if url else f"#{row['url_id']}",
                "kind": url.get_kind_display() if url else "",
                "adobe_type": ADOBE_URL_TYPE.get(kind, ""),
                "hits": row["hits"],
            }
        )
    return report


@dataclass
class Statistics:
    rows: object  # a queryset of per-delivery dicts, ordered by the first day
    totals: dict
    daily: list


def day_range_start(day):
    return timezone.make_aware(datetime.combine(day, clock.min), timezone.get_current_timezone())


def statistics(start, end, channel=None):
    """Per-delivery figures over the local days [start, end], live deliveries only."""
    days = DeliveryDay.objects.between(start, end).filter(delivery__deleted=False)
    if channel is not None:
        days = days.filter(channel=channel)
    sums = {name: Sum(name) for name in ADDITIVE}
    rows = (
        days.values("delivery_id")
        .annotate(
            label=F("delivery__label"),
            channel_label=F("channel__label"),
            first_day=Min("day"),
            **sums,
        )
        .order_by("first_day", "delivery_id")
    )
    totals = {name: value or 0 for name, value in days.aggregate(**sums).items()}
    daily = list(
        days.values("day")
        .annotate(sent=Sum("sent"), opens=Sum("opens"), clicks=Sum("clicks"))
        .order_by("day")
    )
    return Statistics(rows, totals, daily)
