"""Active profiles: the upkeep of the active-contacts table and the count.

A profile is active when a delivery targeted it (a delivery log, whatever its status) or
a Message Center message reached a known profile, on a channel that counts for billing,
within the window (12 months by default) before the count. Each profile table is
counted on its own: the same person as a recipient and as a cookie id counts twice.

1. `bring_up_to_date(now)` reads the delivery logs and the processed Message Center
   messages since the last upkeep (two INSERT … SELECT … ON CONFLICT statements, one
   transaction with the new marks), so that the table keeps the last activity per
   (profile table, profile id, channel) after the logs are purged at 180 days.
2. `count(now, window_months)` counts from that table, one aggregate query per profile
   table (a sequential or bitmap scan: memory does not grow with the table), and
   `snapshot(...)` stores the figures as an immutable snapshot.
"""

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils.timezone import localtime

from campaign.choices import EventStatus, ProfileTable
from campaign.models import Channel, Delivery, DeliveryLog, Event, ExternalProfile, Recipient

from .models import ActiveContact, ActiveContactSync, ActiveProfileSnapshot
from .periods import months_before

# Each upkeep re-reads this much before its mark: a log written late with an earlier
# event time is still seen. The upsert keeps the latest time, so re-reading is harmless.
LATE_ARRIVAL_MARGIN = timedelta(hours=6)

CONTACTS = ActiveContact._meta.db_table
LOGS = DeliveryLog._meta.db_table
DELIVERIES = Delivery._meta.db_table
EVENTS = Event._meta.db_table

# Keep the latest activity per (profile table, profile id, channel).
UPSERT = f"""
    ON CONFLICT (profile_table, profile_id, channel_id)
    DO UPDATE SET last_activity_at = excluded.last_activity_at
    WHERE excluded.last_activity_at > {CONTACTS}.last_activity_at
"""

UPKEEP_FROM_LOGS = f"""
    INSERT INTO {CONTACTS} (profile_table, profile_id, channel_id, last_activity_at)
    SELECT log.profile_table, log.profile_id, delivery.channel_id, MAX(log.event_at)
    FROM {LOGS} AS log
    JOIN {DELIVERIES} AS delivery ON delivery.id = log.delivery_id
    WHERE log.event_at >= %s AND log.event_at < %s
    GROUP BY log.profile_table, log.profile_id, delivery.channel_id
    {UPSERT}
"""

UPKEEP_FROM_MESSAGES = f"""
    INSERT INTO {CONTACTS} (profile_table, profile_id, channel_id, last_activity_at)
    SELECT event.profile_table, event.profile_id, event.channel_id, MAX(event.processed_at)
    FROM {EVENTS} AS event
    WHERE event.processed_at >= %s AND event.processed_at < %s
      AND event.profile_id IS NOT NULL AND event.profile_table <> '' AND event.status = %s
    GROUP BY event.profile_table, event.profile_id, event.channel_id
    {UPSERT}
"""


def _db(value):
    return connection.ops.adapt_datetimefield_value(value)


def window_start(now, window_months):
    return months_before(now, window_months)


@dataclass
class Upkeep:
    logs_since: object
    messages_since: object
    until: object
    rows_from_logs: int
    rows_from_messages: int


def bring_up_to_date(now, window_months):
    """Fold the delivery logs and messages since the last upkeep into the active contacts."""
    first_read = window_start(now, window_months)
    marks = dict(ActiveContactSync.objects.values_list("source", "synced_until"))
    sources = (
        (ActiveContactSync.Source.DELIVERY_LOGS, UPKEEP_FROM_LOGS, ()),
        (ActiveContactSync.Source.MESSAGES, UPKEEP_FROM_MESSAGES, (EventStatus.PROCESSED,)),
    )
    since, written = {}, {}
    with transaction.atomic(), connection.cursor() as cursor:
        for source, sql, extra in sources:
            mark = marks.get(source)
            since[source] = max(first_read, mark - LATE_ARRIVAL_MARGIN) if mark else first_read
            cursor.execute(sql, [_db(since[source]), _db(now), *extra])
            written[source] = max(cursor.rowcount, 0)
            ActiveContactSync.objects.update_or_create(source=source, defaults={"synced_until": now})
    return Upkeep(
        logs_since=since[ActiveContactSync.Source.DELIVERY_LOGS],
        messages_since=since[ActiveContactSync.Source.MESSAGES],
        until=now,
        rows_from_logs=written[ActiveContactSync.Source.DELIVERY_LOGS],
        rows_from_messages=written[ActiveContactSync.Source.MESSAGES],
    )


@dataclass
class ActiveCount:
    window_start: object
    window_end: object
    window_months: int
    excluded_channels: list
    per_table: dict = field(default_factory=dict)
    per_channel: dict = field(default_factory=dict)

    @property
    def total(self):
        return sum(self.per_table.values())


def count(now, window_months):
    """Active profiles at `now`, per profile table and per channel: one aggregate query
    per profile table over the window's contacts (rows are unique per profile and
    channel, so a channel's figure is a plain count, the table's a distinct count)."""
    start = window_start(now, window_months)
    channels = Channel.objects.order_by("code")
    billable = list(channels.filter(counts_for_billing=True).values_list("pk", "code"))
    excluded = list(channels.filter(counts_for_billing=False).values_list("code", flat=True))
    result = ActiveCount(start, now, window_months, excluded)
    result.per_channel = {code: 0 for _, code in billable}
    result.per_table = {table: 0 for table in ProfileTable.values}
    if not billable:
        return result
    in_window = ActiveContact.objects.active_within(start, now).filter(
        channel_id__in=[pk for pk, _ in billable]
    )
    figures = {"profiles": Count("profile_id", distinct=True)}
    figures.update({f"channel_{pk}": Count("pk", filter=Q(channel_id=pk)) for pk, _ in billable})
    for table in ProfileTable.values:
        row = in_window.filter(profile_table=table).aggregate(**figures)
        result.per_table[table] = row["profiles"]
        for pk, code in billable:
            result.per_channel[code] += row[f"channel_{pk}"]
    return result


def profile_totals():
    """All profiles per table, and external profiles linked to a recipient per kind."""
    totals = {table: 0 for table in ProfileTable.values}
    totals[ProfileTable.RECIPIENT.value] = Recipient.objects.count()
    linked = {}
    rows = (
        ExternalProfile.objects.order_by()
        .values("kind")
        .annotate(total=Count("pk"), linked=Count("recipient"))
    )
    for row in rows:  # one row per external profile kind
        totals[row["kind"]] = row["total"]
        linked[row["kind"]] = row["linked"]
    return totals, linked


def snapshot(now, window_months, run=None):
    """Count and store an immutable snapshot."""
    began = time.perf_counter()
    counted = count(now, window_months)
    totals, linked = profile_totals()
    return ActiveProfileSnapshot.objects.create(
        computed_at=now,
        window_start=counted.window_start,
        window_end=counted.window_end,
        window_months=window_months,
        excluded_channels=counted.excluded_channels,
        total=counted.total,
        per_table=counted.per_table,
        per_channel=counted.per_channel,
        profiles_per_table=totals,
        linked_to_recipient=linked,
        run=run,
        duration_ms=int((time.perf_counter() - began) * 1000),
    )


def run(ctx, window_months):
    """The daily billingActiveContactCount run: upkeep, then count and snapshot."""
    upkeep = bring_up_to_date(ctx.now, window_months)
    ctx.log(
        f"Active contacts brought up to date: {upkeep.rows_from_logs} from delivery logs since "
        f"{localtime(upkeep.logs_since):%Y-%m-%d %H:%M}, "
        f"{upkeep.rows_from_messages} from Message Center messages"
    )
    taken = snapshot(ctx.now, window_months, run=ctx.run)
    per_table = ", ".join(f"{table} {n}" for table, n in taken.per_table.items())
    ctx.log(
        f"{taken.total} active profiles since {localtime(taken.window_start):%Y-%m-%d} ({per_table}); "
        f"snapshot #{taken.pk}"
    )
    return {
        "active_profiles": taken.total,
        "contacts_upserted": upkeep.rows_from_logs + upkeep.rows_from_messages,
        "snapshot": taken.pk,
    }
