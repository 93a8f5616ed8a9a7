"""Backfill daily active-profile counts for past dates (the demo, or a platform that
starts counting with history): the active-contacts table keeps only the latest activity
of each profile, so it cannot answer for a past date; a direct count over the delivery
logs and processed messages can, as long as they are not purged yet. Each stored
snapshot is marked backfilled (Customer metrics says so)."""

import time
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from campaign.choices import EventStatus, ProfileTable
from campaign.models import Channel, ExternalProfile, Recipient

from .activity import window_start
from .models import ActiveProfileSnapshot

# Distinct active profiles per profile table and per channel at one moment, straight from
# the logs and messages (the same definition as the active contacts).
DIRECT_COUNT = f"""
WITH activity AS (
    SELECT log.profile_table, log.profile_id, delivery.channel_id
    FROM campaign_deliverylog log JOIN campaign_delivery delivery ON delivery.id = log.delivery_id
    JOIN campaign_channel channel ON channel.id = delivery.channel_id AND channel.counts_for_billing
    WHERE log.event_at >= %(start)s AND log.event_at <= %(end)s
    UNION ALL
    SELECT event.profile_table, event.profile_id, event.channel_id FROM campaign_event event
    JOIN campaign_channel channel ON channel.id = event.channel_id AND channel.counts_for_billing
    WHERE event.status IN {EventStatus.routed_sql()}
      AND event.profile_id IS NOT NULL AND event.profile_table <> ''
      AND event.processed_at >= %(start)s AND event.processed_at <= %(end)s
)
SELECT profile_table, NULL, COUNT(DISTINCT profile_id) FROM activity GROUP BY profile_table
UNION ALL
SELECT profile_table, channel_id, COUNT(DISTINCT profile_id) FROM activity GROUP BY profile_table, channel_id
"""


def count_at(moment, window_months):
    """(per table, per channel code) active at `moment`, counted from the logs."""
    start = window_start(moment, window_months)
    codes = dict(Channel.objects.filter(counts_for_billing=True).values_list("pk", "code"))
    per_table = dict.fromkeys(ProfileTable.values, 0)
    per_channel = dict.fromkeys(codes.values(), 0)
    with connection.cursor() as cursor:
        cursor.execute(DIRECT_COUNT, {"start": start, "end": moment})
        for table, channel_id, active in cursor.fetchall():
            if channel_id is None:
                per_table[table] = active
            else:
                per_channel[codes[channel_id]] += active
    return start, per_table, per_channel


def profiles_at(moment):
    """All profiles per table that existed at `moment`."""
    totals = dict.fromkeys(ProfileTable.values, 0)
    totals[ProfileTable.RECIPIENT.value] = Recipient.objects.filter(created_at__lte=moment).count()
    rows = ExternalProfile.objects.filter(created_at__lte=moment).order_by().values_list("kind")
    for kind in ProfileTable.values:
        if kind != ProfileTable.RECIPIENT.value:
            totals[kind] = rows.filter(kind=kind).count()
    return totals


def backfill(now, days, window_months):
    """One backfilled snapshot per past day (at this time of day) that has none yet,
    oldest first; returns how many were stored."""
    excluded = list(
        Channel.objects.filter(counts_for_billing=False).order_by("code").values_list("code", flat=True)
    )
    stored = 0
    for back in range(days, 0, -1):
        moment = now - timedelta(days=back)
        day = timezone.localtime(moment).date()
        if any(timezone.localtime(at).date() == day for at in _snapshot_times(moment)):
            continue
        began = time.perf_counter()
        start, per_table, per_channel = count_at(moment, window_months)
        ActiveProfileSnapshot.objects.create(
            computed_at=moment,
            window_start=start,
            window_end=moment,
            window_months=window_months,
            excluded_channels=excluded,
            total=sum(per_table.values()),
            per_table=per_table,
            per_channel=per_channel,
            profiles_per_table=profiles_at(moment),
            backfilled=True,
            duration_ms=int((time.perf_counter() - began) * 1000),
        )
        stored += 1
    return stored


def _snapshot_times(moment):
    around = (moment - timedelta(days=1), moment + timedelta(days=1))
    return ActiveProfileSnapshot.objects.filter(computed_at__range=around).values_list(
        "computed_at", flat=True
    )
