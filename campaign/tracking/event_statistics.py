"""Message Center statistics per event type, channel and day (the "statistics of event
processing" that the archiving of Message Center events reads), recomputed by `tracking`.

Every run rebuilds the recent days in one transaction: delete their rows, insert them
again from the events (one aggregate query, grouped by the local day of arrival in
TIME_ZONE): received, processed, in error, ignored, still pending. Recent means the last
LOOKBACK_DAYS (an event's status moves for a few days after it arrives), but never a day
whose events cleanup may already have purged (Message Center events are kept 30 days by
default): older days keep the figures computed while their events existed.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from campaign.choices import EventStatus
from campaign.models import Event
from campaign.retention import Retention

from .models import EventStatistic
from .sql import db_value, table

LOOKBACK_DAYS = 7

FIGURES = {
    "received": Count("pk"),
    "processed": Count("pk", filter=Q(status=EventStatus.PROCESSED)),
    "errors": Count("pk", filter=Q(status=EventStatus.ERROR)),
    "ignored": Count("pk", filter=Q(status=EventStatus.IGNORED)),
    "pending": Count("pk", filter=Q(status=EventStatus.PENDING)),
}


@dataclass
class Rebuilt:
    first_day: object = None
    rows: int = 0


def first_day(now, events_days):
    """The first local day rebuilt: LOOKBACK_DAYS back, and whole within the events'
    retention (`events_days`, None = kept forever)."""
    today = timezone.localdate(now)
    first = today - timedelta(days=LOOKBACK_DAYS - 1)
    if events_days is not None:
        # The day after the purge cutoff's day is entirely after the cutoff.
        first = max(first, timezone.localdate(now - timedelta(days=events_days)) + timedelta(days=1))
    return first if first <= today else None


def recompute(now):
    """The hourly rebuild of the recent days."""
    return rebuild(now, first_day(now, Retention.load().days("events")))


def rebuild(now, day):
    """Rebuild the statistics of the local days from `day` to `now`'s, in one transaction."""
    if day is None:
        return Rebuilt()
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), zone)
    grouped = (
        Event.objects.filter(created_at__gte=start, created_at__lte=now)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day", "event_type_id", "channel_id")
        .annotate(**FIGURES)
    )
    sql, params = grouped.query.sql_with_params()
    figures = ", ".join(FIGURES)
    with transaction.atomic(), connection.cursor() as cursor:
        EventStatistic.objects.filter(day__gte=day).delete()
        cursor.execute(
            f"INSERT INTO {table(EventStatistic)} (day, event_type_id, channel_id, {figures}, computed_at) "
            f"SELECT g.day, g.event_type_id, g.channel_id, {', '.join(f'g.{n}' for n in FIGURES)}, %s "
            f"FROM ({sql}) g",
            [db_value(now), *params],
        )
        rows = max(cursor.rowcount, 0)
    return Rebuilt(day, rows)
