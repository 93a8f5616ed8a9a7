"""reportingAggregates (daily 02:00): rebuild the daily aggregates the delivery reports
read. Adobe §1 (nms:deliveryLogStats, nms:userAgentsStats); reference §10 for the
tracking figures.

1. The affected days (local days, TIME_ZONE): the first build takes every day that has
   delivery logs or tracking logs; later builds take the days of the delivery logs
   written since the previous build, whatever their event time (read in change order,
   campaign.changes: safe against transactions committing out of order; an import of
   old logs has its days rebuilt), the days of the tracking logs written since (by id:
   `tracking` writes them one run and one batch at a time, so every id below the largest
   read had committed), and the last LOOKBACK_DAYS (a message's status, hence the day
   of its last event, moves for a few days).
2. One transaction: delete those days from the four aggregates, insert them again
   (one INSERT … SELECT each, grouped in the database over the days' ranges), and record
   the build. Readers see the previous aggregates until the commit, then the new ones,
   never a half-built day.

Aggregates (reporting/models.py): DeliveryDay (per day and delivery: targeted, sent,
delivered, failed by type, opens, clicks, unique opens and clicks), DeliveryFailureDay
(failed and ignored messages by type and reason), DomainDay (messages and failures per
recipient domain), UserAgentDay (visitors and hits per browser and per OS).
"""

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from campaign import changes
from campaign.choices import FailureType, LogStatus, TrackingKind
from campaign.models import Delivery, DeliveryLog
from campaign.tracking.models import TrackingLog, UserAgent

from .models import AggregateBuild, DeliveryDay, DeliveryFailureDay, DomainDay, UserAgentDay

LOOKBACK_DAYS = 7


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


LOGS, TRACKING = _table(DeliveryLog), _table(TrackingLog)
DELIVERIES, AGENTS = _table(Delivery), _table(UserAgent)


def _day(column):
    """SQL of the local date of a timestamp column, and its parameters."""
    sql, params = connection.ops.datetime_cast_date_sql(column, (), timezone.get_current_timezone_name())
    return sql, list(params)


def _domain(column):
    if connection.vendor == "postgresql":
        return f"lower(split_part({column}, '@', 2))"
    return f"lower(substr({column}, instr({column}, '@') + 1))"


def _db(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def _start(day):
    return timezone.make_aware(datetime.combine(day, clock.min), timezone.get_current_timezone())


def ranges(days):
    """Consecutive days merged: [(first, last), …] in order."""
    merged = []
    for day in sorted(set(days)):
        if merged and day == merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], day)
        else:
            merged.append((day, day))
    return merged


def _within(column, spans):
    """WHERE fragment and parameters: `column` in any of the days' [start, end) ranges."""
    parts, params = [], []
    for first, last in spans:
        parts.append(f"({column} >= %s AND {column} < %s)")
        params += [_db(_start(first)), _db(_start(last + timedelta(days=1)))]
    return "(" + " OR ".join(parts) + ")", params


def _days_of(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {_as_date(row[0]) for row in cursor.fetchall() if row[0] is not None}


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


CONSUMER = "reportingAggregates"


def _last_tracking_log_id():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {TRACKING}")
        return cursor.fetchone()[0] or 0


def affected_days(now, previous: AggregateBuild | None, logs_unread: changes.Unread, last_tracking_id):
    """The local days to rebuild (see the module's docstring)."""
    today = timezone.localdate(now)
    if previous is None or logs_unread.start is None:
        days = set()
        for model, column in ((DeliveryLog, "event_at"), (TrackingLog, "tracked_at")):
            found = model._base_manager.aggregate(low=Min(column), high=Max(column))
            if found["low"] is not None:
                low, high = timezone.localdate(found["low"]), min(timezone.localdate(found["high"]), today)
                days.update(low + timedelta(days=n) for n in range((high - low).days + 1))
        return days
    days = {today - timedelta(days=n) for n in range(LOOKBACK_DAYS)}
    log_day, log_params = _day("event_at")
    days |= _days_of(
        f"SELECT DISTINCT {log_day} FROM {LOGS} WHERE change_order >= %s AND change_order < %s",
        [*log_params, logs_unread.start, logs_unread.end],
    )
    hit_day, hit_params = _day("tracked_at")
    days |= _days_of(
        f"SELECT DISTINCT {hit_day} FROM {TRACKING} WHERE id > %s AND id <= %s",
        [*hit_params, previous.tracking_log_id, last_tracking_id],
    )
    return {day for day in days if day <= today}


def _count(condition):
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


SENT = f"l.status IN ('{LogStatus.SENT}', '{LogStatus.DELIVERED}')"
DELIVERED = f"l.status = '{LogStatus.DELIVERED}'"
FAILED = f"l.status = '{LogStatus.FAILED}'"
FAILED_HARD = f"{FAILED} AND l.failure_type = '{FailureType.HARD}'"
FAILED_SOFT = f"{FAILED} AND l.failure_type = '{FailureType.SOFT}'"
FAILED_IGNORED = f"{FAILED} AND l.failure_type = '{FailureType.IGNORED}'"
OPENED = f"t.kind = '{TrackingKind.OPEN}'"
CLICKED = f"t.kind = '{TrackingKind.CLICK}'"


def _delivery_days(cursor, spans):
    log_day, log_params = _day("l.event_at")
    hit_day, hit_params = _day("t.tracked_at")
    log_where, log_where_params = _within("l.event_at", spans)
    hit_where, hit_where_params = _within("t.tracked_at", spans)
    cursor.execute(
        f"INSERT INTO {_table(DeliveryDay)} (day, delivery_id, channel_id, targeted, sent, delivered, "
        "failed, failed_hard, failed_soft, failed_ignored, opens, clicks, unique_opens, unique_clicks) "
        "SELECT u.day, u.delivery_id, u.channel_id, SUM(u.targeted), SUM(u.sent), SUM(u.delivered), "
        "SUM(u.failed), SUM(u.failed_hard), SUM(u.failed_soft), SUM(u.failed_ignored), SUM(u.opens), "
        "SUM(u.clicks), SUM(u.unique_opens), SUM(u.unique_clicks) FROM ("
        f"SELECT {log_day} AS day, l.delivery_id AS delivery_id, d.channel_id AS channel_id, "
        f"COUNT(*) AS targeted, {_count(SENT)} AS sent, {_count(DELIVERED)} AS delivered, "
        f"{_count(FAILED)} AS failed, {_count(FAILED_HARD)} AS failed_hard, "
        f"{_count(FAILED_SOFT)} AS failed_soft, {_count(FAILED_IGNORED)} AS failed_ignored, "
        "0 AS opens, 0 AS clicks, 0 AS unique_opens, 0 AS unique_clicks "
        f"FROM {LOGS} l JOIN {DELIVERIES} d ON d.id = l.delivery_id WHERE {log_where} "
        "GROUP BY 1, 2, 3 "
        "UNION ALL "
        f"SELECT {hit_day}, t.delivery_id, d.channel_id, 0, 0, 0, 0, 0, 0, 0, "
        f"{_count(OPENED)}, {_count(CLICKED)}, COUNT(DISTINCT t.profile_id), "
        f"COUNT(DISTINCT CASE WHEN {CLICKED} THEN t.profile_id END) "
        f"FROM {TRACKING} t JOIN {DELIVERIES} d ON d.id = t.delivery_id WHERE {hit_where} "
        "GROUP BY 1, 2, 3"
        ") u GROUP BY u.day, u.delivery_id, u.channel_id",
        [*log_params, *log_where_params, *hit_params, *hit_where_params],
    )
    return cursor.rowcount


def _failure_days(cursor, spans):
    log_day, log_params = _day("l.event_at")
    where, where_params = _within("l.event_at", spans)
    cursor.execute(
        f"INSERT INTO {_table(DeliveryFailureDay)} (day, delivery_id, status, failure_type, failure_reason, "
        f"messages) SELECT {log_day}, l.delivery_id, l.status, l.failure_type, l.failure_reason, COUNT(*) "
        f"FROM {LOGS} l WHERE {where} AND l.status IN (%s, %s) GROUP BY 1, 2, 3, 4, 5",
        [*log_params, *where_params, LogStatus.FAILED, LogStatus.IGNORED],
    )
    return cursor.rowcount


def _domain_days(cursor, spans):
    log_day, log_params = _day("l.event_at")
    where, where_params = _within("l.event_at", spans)
    domain = _domain("l.address")
    cursor.execute(
        f"INSERT INTO {_table(DomainDay)} (day, delivery_id, domain, messages, failed, failed_hard, "
        f"failed_soft) SELECT {log_day}, l.delivery_id, {domain}, COUNT(*), {_count(FAILED)}, "
        f"{_count(FAILED_HARD)}, {_count(FAILED_SOFT)} "
        f"FROM {LOGS} l WHERE {where} AND l.address LIKE %s GROUP BY 1, 2, 3",
        [*log_params, *where_params, "%@_%"],
    )
    return cursor.rowcount


def _user_agent_days(cursor, spans):
    hit_day, hit_params = _day("t.tracked_at")
    where, where_params = _within("t.tracked_at", spans)
    visitor = "t.profile_table || ':' || t.profile_id"
    total = 0
    dimensions = ((UserAgentDay.Dimension.BROWSER, "a.browser"), (UserAgentDay.Dimension.OS, "a.os"))
    for dimension, column in dimensions:
        cursor.execute(
            f"INSERT INTO {_table(UserAgentDay)} (day, dimension, name, visitors, hits) "
            f"SELECT {hit_day}, %s, COALESCE(NULLIF({column}, ''), 'Other'), COUNT(DISTINCT {visitor}), "
            f"COUNT(*) FROM {TRACKING} t LEFT JOIN {AGENTS} a ON a.id = t.user_agent_id WHERE {where} "
            "GROUP BY 1, 2, 3",
            [*hit_params, dimension, *where_params],
        )
        total += cursor.rowcount
    return total


@dataclass
class Build:
    record: AggregateBuild | None
    days: int
    rows: int


def rebuild(now, run=None):
    """Rebuild the affected days in one transaction; returns the Build."""
    began = time.perf_counter()
    with transaction.atomic():
        previous = AggregateBuild.objects.latest_first().first()
        logs_unread = changes.unread(CONSUMER, "delivery_logs")
        last_tracking_id = _last_tracking_log_id()
        days = affected_days(now, previous, logs_unread, last_tracking_id)
        spans = ranges(days)
        rows = 0
        if spans:
            with connection.cursor() as cursor:
                for model in (DeliveryDay, DeliveryFailureDay, DomainDay, UserAgentDay):
                    for first, last in spans:
                        model._base_manager.filter(day__gte=first, day__lte=last).delete()
                rows += _delivery_days(cursor, spans)
                rows += _failure_days(cursor, spans)
                rows += _domain_days(cursor, spans)
                rows += _user_agent_days(cursor, spans)
        record = AggregateBuild.objects.create(
            built_at=now,
            full=previous is None,
            first_day=spans[0][0] if spans else None,
            last_day=spans[-1][1] if spans else None,
            days=len(days),
            rows=rows,
            tracking_log_id=last_tracking_id,
            duration_ms=int((time.perf_counter() - began) * 1000),
            run=run,
        )
        changes.advance(CONSUMER, logs_unread, now)
    return Build(record, len(days), rows)


def run(ctx):
    """The daily reportingAggregates run."""
    build = rebuild(ctx.now, run=ctx.run)
    record = build.record
    if not build.days:
        ctx.log("No delivery or tracking log yet: nothing to aggregate")
    else:
        kind = "Full rebuild" if record.full else "Rebuild"
        ctx.log(
            f"{kind} of {build.days} days ({record.first_day:%Y-%m-%d} to {record.last_day:%Y-%m-%d}): "
            f"{build.rows:,} aggregate rows in {record.duration_ms / 1000:.1f} s"
        )
    return {"days_rebuilt": build.days, "aggregate_rows": build.rows, "full_rebuild": record.full}
