"""Active profiles: the upkeep of the active-contacts table and the count.

A profile is active when a delivery targeted it (a delivery log, whatever its status) or
a Message Center message reached a known profile, on a channel that counts for billing,
within the window (12 months by default) before the count. Each profile table is
counted on its own: the same person as a recipient and as a cookie id counts twice.

1. `bring_up_to_date(now)` folds into the active contacts what was written since its
   last run, in change order (campaign.changes): the delivery logs inserted and the
   messages processed since then, however old their event time (a log imported two
   days late still counts). One transaction holds the new rows and the read marks.
   - The first run on a platform builds the table in bulk (`_bootstrap`): one
     INSERT … SELECT … GROUP BY into the empty table, its keys and index dropped
     before and rebuilt after on PostgreSQL, no per-row conflict check.
   - Later runs read the changed rows only (a BRIN range on the change order) and
     upsert them (INSERT … ON CONFLICT keeps the latest activity).
   - A row dated in the future waits in ActiveContactPending until its time comes
     (so the table never holds an activity later than the run that wrote it).
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

from campaign import changes
from campaign.choices import EventStatus, ProfileTable
from campaign.models import Channel, Delivery, DeliveryLog, Event, ExternalProfile, Recipient

from .models import ActiveContact, ActiveContactPending, ActiveContactSync, ActiveProfileSnapshot
from .periods import months_before

CONSUMER = "activeContacts"
# The upkeep before change order read by event time from a mark minus this margin;
# the first run after the upgrade reads the rows without a change order that way, once.
LATE_ARRIVAL_MARGIN = timedelta(hours=6)

CONTACTS = ActiveContact._meta.db_table
PENDING = ActiveContactPending._meta.db_table
LOGS = DeliveryLog._meta.db_table
DELIVERIES = Delivery._meta.db_table
EVENTS = Event._meta.db_table

# Activity rows, (profile table, profile id, channel, time); {which} selects the rows.
ACTIVITY_FROM_LOGS = f"""
    SELECT log.profile_table, log.profile_id, delivery.channel_id, log.event_at AS at
    FROM {LOGS} AS log JOIN {DELIVERIES} AS delivery ON delivery.id = log.delivery_id
    WHERE log.event_at >= %(first_read)s AND {{which}}
"""
ACTIVITY_FROM_MESSAGES = f"""
    SELECT event.profile_table, event.profile_id, event.channel_id, event.processed_at AS at
    FROM {EVENTS} AS event
    WHERE event.processed_at >= %(first_read)s AND event.status IN {EventStatus.routed_sql()}
      AND event.profile_id IS NOT NULL AND event.profile_table <> '' AND {{which}}
"""
# Which rows a read takes, by change order (the alias is the source's in the SELECTs).
CHANGED = (
    "(({alias}.change_order >= %({source}_start)s AND {alias}.change_order < %({source}_end)s) "
    "OR {alias}.change_order = %(own_writes)s)"
)
EVERYTHING = (
    "({alias}.change_order IS NULL OR {alias}.change_order < %({source}_end)s "
    "OR {alias}.change_order = %(own_writes)s)"
)
# The first read after the upgrade from time marks: rows written since (change order)
# and rows written before with a recent event time.
SINCE_TIME_MARK = (
    "({alias}.change_order < %({source}_end)s OR "
    "({alias}.change_order IS NULL AND {time} >= %({source}_since)s))"
)

# Keep the latest activity per (profile table, profile id, channel).
UPSERT = f"""
    ON CONFLICT (profile_table, profile_id, channel_id)
    DO UPDATE SET last_activity_at = excluded.last_activity_at
    WHERE excluded.last_activity_at > {CONTACTS}.last_activity_at
"""
INTO_CONTACTS = f"INSERT INTO {CONTACTS} (profile_table, profile_id, channel_id, last_activity_at)"
INTO_PENDING = f"INSERT INTO {PENDING} (profile_table, profile_id, channel_id, due_at)"
GROUPED = """
    SELECT profile_table, profile_id, channel_id, MAX(at) FROM ({activity}) AS activity
    WHERE {when} GROUP BY profile_table, profile_id, channel_id
"""
RELEASE_PENDING = f"""
    {INTO_CONTACTS}
    SELECT profile_table, profile_id, channel_id, MAX(due_at) FROM {PENDING}
    WHERE due_at <= %(now)s GROUP BY profile_table, profile_id, channel_id
    {UPSERT}
"""


def _db(value):
    return connection.ops.adapt_datetimefield_value(value)


def window_start(now, window_months):
    return months_before(now, window_months)


@dataclass
class Upkeep:
    bootstrap: bool
    logs_read: tuple
    messages_read: tuple
    rows_written: int
    rows_pending: int
    rows_released: int


def _which(source, alias, time_column, window, time_marks):
    if window.start is not None:
        return CHANGED.format(alias=alias, source=source)
    if source in time_marks:
        return SINCE_TIME_MARK.format(alias=alias, source=source, time=time_column)
    return EVERYTHING.format(alias=alias, source=source)


def _activity(windows, time_marks):
    logs = ACTIVITY_FROM_LOGS.format(
        which=_which("delivery_logs", "log", "log.event_at", windows["delivery_logs"], time_marks)
    )
    messages = ACTIVITY_FROM_MESSAGES.format(
        which=_which("messages", "event", "event.processed_at", windows["messages"], time_marks)
    )
    return f"{logs} UNION ALL {messages}"


def _parameters(now, first_read, windows, time_marks):
    parameters = {
        "now": _db(now),
        "first_read": _db(first_read),
        "own_writes": changes.own_writes(),
    }
    for source, window in windows.items():
        parameters[f"{source}_start"] = window.start
        parameters[f"{source}_end"] = window.end
        if source in time_marks:
            parameters[f"{source}_since"] = _db(time_marks[source] - LATE_ARRIVAL_MARGIN)
    return parameters


def _old_time_marks():
    """The marks of the upkeep before change order, by source (read once, then gone)."""
    names = {
        ActiveContactSync.Source.DELIVERY_LOGS: "delivery_logs",
        ActiveContactSync.Source.MESSAGES: "messages",
    }
    return {
        names[source]: until
        for source, until in ActiveContactSync.objects.values_list("source", "synced_until")
    }


def _execute(cursor, sql, parameters):
    cursor.execute(sql, parameters)
    return max(cursor.rowcount, 0)


def _bootstrap(cursor, activity, parameters):
    """The first build: the empty table filled in one INSERT … SELECT, on PostgreSQL
    without its primary and unique keys, foreign key and index (rebuilt after: one sort
    per index, one join for the foreign key) instead of a conflict check and a deferred
    key check per row (the latter alone took a minute at 2.7 million rows)."""
    rebuild = []
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC",
            [CONTACTS],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
            "AND NOT x.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [CONTACTS],
        )
        indexes = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f"ALTER TABLE {CONTACTS} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        rebuild = [definition for _name, definition in indexes] + [
            f"ALTER TABLE {CONTACTS} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            for name, definition in constraints
        ]
        # The bulk build's aggregate and index builds in memory rather than spilled to disk
        # (the database server's memory, for this transaction only).
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # One long statement: compiling it just in time cost 0.5 s and saved nothing.
        cursor.execute("SET LOCAL jit = off")
    written = _execute(
        cursor, f"{INTO_CONTACTS} {GROUPED.format(activity=activity, when='at <= %(now)s')}", parameters
    )
    for statement in rebuild:
        cursor.execute(statement)
    return written


def bring_up_to_date(now, window_months):
    """Fold what was written since the last upkeep into the active contacts."""
    first_read = window_start(now, window_months)
    with transaction.atomic(), connection.cursor() as cursor:
        windows = {source: changes.unread(CONSUMER, source) for source in ("delivery_logs", "messages")}
        time_marks = _old_time_marks() if any(w.start is None for w in windows.values()) else {}
        bootstrap = (
            all(window.start is None for window in windows.values())
            and not time_marks
            and not ActiveContact.objects.exists()
        )
        activity = _activity(windows, time_marks)
        parameters = _parameters(now, first_read, windows, time_marks)
        if bootstrap:
            written = _bootstrap(cursor, activity, parameters)
        else:
            grouped = GROUPED.format(activity=activity, when="at <= %(now)s")
            written = _execute(cursor, f"{INTO_CONTACTS} {grouped} {UPSERT}", parameters)
        pending = _execute(
            cursor, f"{INTO_PENDING} {GROUPED.format(activity=activity, when='at > %(now)s')}", parameters
        )
        released = _execute(cursor, RELEASE_PENDING, parameters)
        cursor.execute(f"DELETE FROM {PENDING} WHERE due_at <= %(now)s", parameters)
        for window in windows.values():
            changes.advance(CONSUMER, window, now)
        ActiveContactSync.objects.all().delete()
    return Upkeep(
        bootstrap=bootstrap,
        logs_read=(windows["delivery_logs"].start, windows["delivery_logs"].end),
        messages_read=(windows["messages"].start, windows["messages"].end),
        rows_written=written,
        rows_pending=pending,
        rows_released=released,
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
    how = (
        "built in bulk from every log and message of the window" if upkeep.bootstrap else "brought up to date"
    )
    ctx.log(
        f"Active contacts {how}: {upkeep.rows_written} written, {upkeep.rows_pending} dated in the future "
        f"kept for later, {upkeep.rows_released} whose time came (delivery logs read up to change "
        f"{upkeep.logs_read[1]}, messages up to {upkeep.messages_read[1]})"
    )
    taken = snapshot(ctx.now, window_months, run=ctx.run)
    per_table = ", ".join(f"{table} {n}" for table, n in taken.per_table.items())
    ctx.log(
        f"{taken.total} active profiles since {localtime(taken.window_start):%Y-%m-%d} ({per_table}); "
        f"snapshot #{taken.pk}"
    )
    return {
        "active_profiles": taken.total,
        "contacts_upserted": upkeep.rows_written + upkeep.rows_released,
        "contacts_pending": upkeep.rows_pending,
        "bootstrap": int(upkeep.bootstrap),
        "snapshot": taken.pk,
    }
