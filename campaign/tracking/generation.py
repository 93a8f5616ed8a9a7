"""Tracking in `generate_data` and the demo (GeneratedTable "tracking_logs"): what a
running platform whose `tracking` and `cleanup` ran every day would hold, derived
from the generated raw hits, deliveries and events, set-based:

- tracking logs of the consolidated raw hits of the last TRACKING_LOG_DAYS (360, the
  retention: older ones were purged), with their user agents parsed (the generated
  hits use a handful of strings); hits less than two hours old stay pending, for the
  first `tracking` run;
- the 5-minute statistics of those logs, the indicators and counters of every
  delivery, Message Center statistics of the last 360 days of events, the pointer.

Its count is a switch (1: derive; 0: nothing): the rows follow from the hits.
Development tooling: never imported by the workflow.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from campaign.models import Delivery, DeliveryLog, TrackingHit, TrackingUrl

from . import event_statistics, indicators, user_agents
from .models import TrackingLog, TrackingPointer, TrackingStatistic, UserAgent
from .sql import bucket, db_value, table

if TYPE_CHECKING:
    from workflows.plugins import Generation

TRACKING_LOG_DAYS = 360
EVENT_STATISTIC_DAYS = 360


def _logs(cutoff, first_hit):
    hits = table(TrackingHit)
    return (
        f"INSERT INTO {table(TrackingLog)} (hit_id, delivery_id, delivery_log_id, profile_table, profile_id, "
        "url_id, kind, tracked_at, user_agent_id) "
        "SELECT h.id, h.delivery_id, COALESCE(h.delivery_log_id, (SELECT l.id FROM "
        f"{table(DeliveryLog)} l WHERE l.profile_table = h.profile_table AND l.profile_id = h.profile_id "
        "AND l.delivery_id = h.delivery_id ORDER BY l.id LIMIT 1)), h.profile_table, h.profile_id, h.url_id, "
        f"h.kind, h.hit_at, a.id FROM {hits} h "
        f"JOIN {table(Delivery)} d ON d.id = h.delivery_id AND d.deleted = %s "
        f"JOIN {table(TrackingUrl)} u ON u.id = h.url_id AND u.delivery_id = h.delivery_id "
        f"LEFT JOIN {table(UserAgent)} a ON a.text = h.user_agent "
        "WHERE h.consolidated_at IS NOT NULL AND h.hit_at >= %s AND h.id >= %s",
        [False, db_value(cutoff), first_hit],
    )


def generate(generation: Generation) -> int:
    if not generation.count("tracking_logs"):
        return 0
    now = generation.now
    cutoff = now - timedelta(days=TRACKING_LOG_DAYS)
    hits = table(TrackingHit)
    # Only the hits of this run: a run without --truncate appends to earlier data.
    first_hit = generation.first_id("campaign.TrackingHit")
    with connection.cursor() as cursor:
        user_agents.add_from(cursor, hits, f"b.consolidated_at IS NOT NULL AND b.id >= {int(first_hit)}", now)
        user_agents.parse_new()
        cursor.execute(*_logs(cutoff, first_hit))
        written = max(cursor.rowcount, 0)
        cursor.execute(
            f"INSERT INTO {table(TrackingStatistic)} (delivery_id, url_id, kind, bucket, hits) "
            f"SELECT delivery_id, url_id, kind, {bucket('tracked_at')}, COUNT(*) FROM {table(TrackingLog)} "
            "WHERE tracked_at >= %s AND hit_id >= %s "
            f"GROUP BY delivery_id, url_id, kind, {bucket('tracked_at')} "
            "ON CONFLICT (delivery_id, url_id, kind, bucket) DO UPDATE SET hits = "
            f"{table(TrackingStatistic)}.hits + excluded.hits",
            [db_value(cutoff), first_hit],
        )
    last = TrackingHit.objects.filter(consolidated_at__isnull=False).aggregate(
        id=Max("id"), at=Max("hit_at"), consolidated=Max("consolidated_at")
    )
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), indicators.CHUNK):
        indicators.recompute_deliveries(ids[start : start + indicators.CHUNK], now)
    first_day = timezone.localdate(now - timedelta(days=EVENT_STATISTIC_DAYS - 1))
    event_statistics.rebuild(now, first_day)
    TrackingPointer.objects.update_or_create(
        pk=TrackingPointer.SINGLETON_ID,
        defaults={
            "last_hit_id": last["id"] or 0,
            "last_hit_at": last["at"],
            "consolidated_at": last["consolidated"],
            "hits_consolidated": TrackingLog.objects.count(),
        },
    )
    return written
