"""`tracking` (hourly): consolidate the raw hits, then recompute what depends on them.
Adobe §10.

1. Raw hits, in batches of `batch_size`, each batch one transaction:
   a. claim the pending hits (consolidated_at IS NULL) after the previous batch, in id
      order, up to the newest id seen when the run started, into a work table;
   b. flag the hits a tracking log already holds (re-running over the same hits writes
      nothing twice) and skip, counted, the hits whose delivery no longer exists or is
      deleted, or whose URL is not one of that delivery's;
   c. add and parse the new user agents (user_agents.py);
   d. write one tracking log per new hit, add the hits to the 5-minute statistics
      (INSERT … ON CONFLICT: the hits of this batch only), mark every claimed hit
      consolidated at the run's `now` (which cleanup's raw-hit purge reads), note the
      deliveries whose indicators changed, and advance the pointer.
   Marking what was consumed, rather than trusting an id pointer alone, is what keeps a
   hit whose INSERT committed after a later id was consolidated: it is still pending,
   and the next run takes it. The pointer records the progress (NmsTracking_Pointer).
2. Indicators and delivery counters of the deliveries touched (indicators.py), with the
   propositions of sent deliveries marked presented.
3. Message Center statistics per event type, channel and day (event_statistics.py).

A failed batch rolls back whole: the hits stay pending and the previous state stays.
"""

import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils.timezone import localtime

from campaign.models import Delivery, DeliveryLog, TrackingHit, TrackingUrl

from . import event_statistics, indicators, user_agents
from .models import StaleIndicators, TrackingLog, TrackingPointer, TrackingStatistic, UserAgent
from .sql import bucket, db_value, postgres, table, timestamp_type

WORK = "tracking_batch"
NEW, DONE, SKIPPED = "new", "done", "skipped"
HITS = table(TrackingHit)


@dataclass
class BatchResult:
    claimed: int
    consolidated: int
    already: int
    skipped: int
    first_id: int
    last_id: int
    user_agents: int
    seconds: float


@dataclass
class Totals:
    batches: int = 0
    claimed: int = 0
    consolidated: int = 0
    already: int = 0
    skipped: int = 0
    user_agents: int = 0
    longest_batch: float = 0.0
    outcomes: list = field(default_factory=list)

    def add(self, result: BatchResult):
        self.batches += 1
        self.claimed += result.claimed
        self.consolidated += result.consolidated
        self.already += result.already
        self.skipped += result.skipped
        self.user_agents += result.user_agents
        self.longest_batch = max(self.longest_batch, result.seconds)


def _work_table(cursor):
    """The batch's work table: a temporary table of this connection, emptied first."""
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {WORK} (hit_id bigint NOT NULL, delivery_id bigint NOT NULL, "
        "delivery_log_id bigint NULL, url_id bigint NULL, profile_table varchar(20) NOT NULL, "
        f"profile_id bigint NOT NULL, kind varchar(20) NOT NULL, hit_at {timestamp_type()} NOT NULL, "
        "user_agent varchar(500) NOT NULL, outcome varchar(10) NOT NULL)"
    )
    cursor.execute(f"TRUNCATE {WORK}" if postgres() else f"DELETE FROM {WORK}")


def _claim(cursor, after, upto, size):
    cursor.execute(
        f"INSERT INTO {WORK} (hit_id, delivery_id, delivery_log_id, url_id, profile_table, profile_id, kind, "
        "hit_at, user_agent, outcome) "
        "SELECT id, delivery_id, delivery_log_id, url_id, profile_table, profile_id, kind, hit_at, "
        f"user_agent, %s FROM {HITS} WHERE consolidated_at IS NULL AND id > %s AND id <= %s "
        "ORDER BY id LIMIT %s",
        [NEW, after, upto, size],
    )
    claimed = max(cursor.rowcount, 0)
    if claimed and postgres():
        cursor.execute(f"ANALYZE {WORK}")  # a temporary table has no statistics otherwise
    return claimed


def _flag(cursor, first_id, last_id):
    """Hits a tracking log already holds are done; hits of a missing or deleted
    delivery, or of a URL not of their delivery, are skipped."""
    cursor.execute(
        f"UPDATE {WORK} SET outcome = %s WHERE hit_id IN "
        f"(SELECT hit_id FROM {table(TrackingLog)} WHERE hit_id >= %s AND hit_id <= %s)",
        [DONE, first_id, last_id],
    )
    cursor.execute(
        f"UPDATE {WORK} SET outcome = %s WHERE outcome = %s AND ("
        f"NOT EXISTS (SELECT 1 FROM {table(Delivery)} d WHERE d.id = {WORK}.delivery_id AND d.deleted = %s) "
        f"OR NOT EXISTS (SELECT 1 FROM {table(TrackingUrl)} u "
        f"WHERE u.id = {WORK}.url_id AND u.delivery_id = {WORK}.delivery_id))",
        [SKIPPED, NEW, False],
    )


# The delivery log of a hit without one (written before hits carried it): the profile's
# log in the delivery (campaign_log_profile index), evaluated only for those hits.
LOG_OF_HIT = (
    f"COALESCE(b.delivery_log_id, (SELECT l.id FROM {table(DeliveryLog)} l "
    "WHERE l.profile_table = b.profile_table AND l.profile_id = b.profile_id "
    "AND l.delivery_id = b.delivery_id ORDER BY l.id LIMIT 1))"
)


def _write_logs(cursor):
    cursor.execute(
        f"INSERT INTO {table(TrackingLog)} (hit_id, delivery_id, delivery_log_id, profile_table, profile_id, "
        "url_id, kind, tracked_at, user_agent_id) "
        f"SELECT b.hit_id, b.delivery_id, {LOG_OF_HIT}, b.profile_table, b.profile_id, b.url_id, b.kind, "
        f"b.hit_at, u.id FROM {WORK} b LEFT JOIN {table(UserAgent)} u ON u.text = b.user_agent "
        "WHERE b.outcome = %s",
        [NEW],
    )


def _add_statistics(cursor):
    stats = table(TrackingStatistic)
    cursor.execute(
        f"INSERT INTO {stats} (delivery_id, url_id, kind, bucket, hits) "
        f"SELECT delivery_id, url_id, kind, {bucket('hit_at')}, COUNT(*) FROM {WORK} WHERE outcome = %s "
        f"GROUP BY delivery_id, url_id, kind, {bucket('hit_at')} "
        f"ON CONFLICT (delivery_id, url_id, kind, bucket) DO UPDATE SET hits = {stats}.hits + excluded.hits",
        [NEW],
    )


def _mark_consumed(cursor, now, first_id, last_id):
    cursor.execute(
        f"UPDATE {HITS} SET consolidated_at = %s WHERE id >= %s AND id <= %s AND consolidated_at IS NULL "
        f"AND id IN (SELECT hit_id FROM {WORK})",
        [db_value(now), first_id, last_id],
    )


def _note_stale(cursor, now):
    cursor.execute(
        f"INSERT INTO {table(StaleIndicators)} (delivery_id, since) "
        f"SELECT DISTINCT delivery_id, %s FROM {WORK} WHERE outcome = %s "
        "ON CONFLICT (delivery_id) DO NOTHING",
        [db_value(now), NEW],
    )


def _advance_pointer(cursor, now, result: BatchResult):
    TrackingPointer.load()
    cursor.execute(
        f"UPDATE {table(TrackingPointer)} SET last_hit_id = %s, "
        f"last_hit_at = (SELECT MAX(hit_at) FROM {WORK} WHERE hit_id = %s), consolidated_at = %s, "
        "hits_consolidated = hits_consolidated + %s, hits_skipped = hits_skipped + %s WHERE id = %s",
        [
            result.last_id,
            result.last_id,
            db_value(now),
            result.consolidated,
            result.skipped,
            TrackingPointer.SINGLETON_ID,
        ],
    )


def consolidate_batch(now, after, upto, size):
    """Consolidate the next batch of pending hits with ids in (after, upto]; None when
    there is none."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _work_table(cursor)
        claimed = _claim(cursor, after, upto, size)
        if not claimed:
            return None
        cursor.execute(f"SELECT MIN(hit_id), MAX(hit_id) FROM {WORK}")
        first_id, last_id = cursor.fetchone()
        _flag(cursor, first_id, last_id)
        added = user_agents.add_from(cursor, WORK, f"b.outcome = '{NEW}'", now)
        if added:
            user_agents.parse_new()
        _write_logs(cursor)
        _add_statistics(cursor)
        _mark_consumed(cursor, now, first_id, last_id)
        _note_stale(cursor, now)
        cursor.execute(f"SELECT outcome, COUNT(*) FROM {WORK} GROUP BY outcome")
        outcomes = dict(cursor.fetchall())
        result = BatchResult(
            claimed=claimed,
            consolidated=outcomes.get(NEW, 0),
            already=outcomes.get(DONE, 0),
            skipped=outcomes.get(SKIPPED, 0),
            first_id=first_id,
            last_id=last_id,
            user_agents=added,
            seconds=0.0,
        )
        _advance_pointer(cursor, now, result)
        cursor.execute(f"DELETE FROM {WORK}")
    result.seconds = time.perf_counter() - started
    return result


def newest_hit_id():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {HITS}")
        return cursor.fetchone()[0] or 0


def consolidate(now, batch_size, log=print):
    """Step 1: every hit pending when the run started (later ones wait for the next run)."""
    totals = Totals()
    upto, after = newest_hit_id(), 0
    while True:
        result = consolidate_batch(now, after, upto, batch_size)
        if result is None:
            break
        totals.add(result)
        after = result.last_id
        if result.skipped or totals.batches % 10 == 1:
            log(
                f"Batch {totals.batches}: hits #{result.first_id}–#{result.last_id}: {result.consolidated:,} "
                f"consolidated, {result.skipped:,} skipped, {result.already:,} already consolidated "
                f"({result.seconds:.2f} s)"
            )
    return totals


def run(ctx, batch_size):
    """The hourly run: consolidate, recompute indicators, Message Center statistics."""
    started = time.perf_counter()
    totals = consolidate(ctx.now, batch_size, log=ctx.log)
    consolidated_seconds = time.perf_counter() - started
    ctx.log(
        f"Raw hits: {totals.consolidated:,} consolidated into tracking logs, {totals.skipped:,} skipped "
        f"(deleted delivery or unknown URL), {totals.already:,} already consolidated; "
        f"{totals.user_agents:,} new user agents; {totals.batches} batches in {consolidated_seconds:.1f} s"
    )
    recomputed = indicators.recompute(ctx.now)
    ctx.log(
        f"Indicators recomputed for {recomputed.deliveries:,} deliveries; "
        f"{recomputed.propositions:,} propositions marked presented"
    )
    events = event_statistics.recompute(ctx.now)
    if events.first_day is None:
        ctx.log("Message Center statistics: nothing to recompute")
    else:
        ctx.log(
            f"Message Center statistics recomputed from {events.first_day:%Y-%m-%d} "
            f"to {localtime(ctx.now):%Y-%m-%d}: {events.rows:,} rows"
        )
    return {
        "hits_consolidated": totals.consolidated,
        "hits_skipped": totals.skipped,
        "hits_already_consolidated": totals.already,
        "batches": totals.batches,
        "longest_batch_seconds": round(totals.longest_batch, 3),
        "user_agents_added": totals.user_agents,
        "deliveries_recomputed": recomputed.deliveries,
        "propositions_presented": recomputed.propositions,
        "event_statistics_rows": events.rows,
    }
