"""Benchmark `activeProfiles`: the active-profile workflow against the direct count.

Data (campaign.devtools.benchmarking.generate_data): 1 million recipients, 200,000
external profiles, 10 million delivery logs and 1 million Message Center events over 18
months ("full"), or datagen's "tiny" sizes, generated up to `NOW`.

The baseline is the best direct count over the logs and messages we could write by
hand (`DIRECT_COUNT`: one pass over the window's logs and processed messages, the
channels that do not count left out, distinct profiles per profile table) plus the
profiles per table: what a platform without the active-contacts table would run every
day. Both must give the same totals per profile table (ours also counts per channel).

1. The bootstrap, measured in `prepare()`: the first run on an existing database
   (empty active contacts, every log and message of the window), built in bulk, against
   the direct count over the same data. Target: at most 2× the direct count.
2. The daily run, measured as ours (in a child process, its peak memory reported): the
   last day of logs is written after the bootstrap (set aside before it and inserted
   again, so it has new change orders, like the day's traffic); ours folds those rows
   into the active contacts, counts and stores the snapshot. Target: below the direct
   count (ratio < 1). `reset()` restores the active contacts and read marks as the
   bootstrap left them, so the baseline starts from the same database.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from campaign.choices import EventStatus, ProfileTable
from campaign.devtools.benchmarking import Benchmark, generate_data, register
from campaign.models import DeliveryLog, ReadMark

from . import activity
from .models import ActiveContact, ActiveContactPending, ActiveContactSync, ActiveProfileSnapshot

NOW = datetime(2026, 6, 10, 23, 0, tzinfo=UTC)  # 01:00 in Paris, the daily slot
WINDOW_MONTHS = 12
DAY = timedelta(days=1)
GENERATED = ("recipients", "external_profiles", "deliveries", "delivery_logs", "event_types", "events")
TABLES = ProfileTable.values
# Temporary copies (this session only): the day's logs, and the state after the bootstrap.
DAY_LOGS = "bench_day_logs"
COPIES = {
    ActiveContact._meta.db_table: "bench_activecontact_copy",
    ActiveContactPending._meta.db_table: "bench_pending_copy",
    ReadMark._meta.db_table: "bench_readmark_copy",
}

# The best direct count we found: the window's logs of billable deliveries and processed
# messages to known profiles on billable channels, their distinct profiles per table
# (a hash aggregate, given the memory it needs), then counted per table.
DIRECT_COUNT = f"""
SELECT profile_table, COUNT(*) FROM (
    SELECT DISTINCT activity.profile_table, activity.profile_id FROM (
        SELECT log.profile_table, log.profile_id FROM campaign_deliverylog log
        WHERE log.event_at >= %(start)s AND log.event_at <= %(end)s
          AND log.delivery_id IN (
              SELECT delivery.id FROM campaign_delivery delivery
              JOIN campaign_channel channel ON channel.id = delivery.channel_id
              WHERE channel.counts_for_billing)
        UNION ALL
        SELECT event.profile_table, event.profile_id FROM campaign_event event
        JOIN campaign_channel channel ON channel.id = event.channel_id AND channel.counts_for_billing
        WHERE event.status IN {EventStatus.routed_sql()}
          AND event.profile_id IS NOT NULL AND event.profile_table <> ''
          AND event.processed_at >= %(start)s AND event.processed_at <= %(end)s
    ) activity
) profiles
GROUP BY profile_table
"""
PROFILES = """
SELECT 'recipient', COUNT(*) FROM campaign_recipient
UNION ALL
SELECT kind, COUNT(*) FROM campaign_externalprofile GROUP BY kind
"""


def direct_count(now):
    """The hand-written count at `now`: ({table: active}, {table: profiles}) and its
    time in seconds."""
    start = activity.window_start(now, WINDOW_MONTHS)
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(DIRECT_COUNT, {"start": start, "end": now})
        per_table = dict.fromkeys(TABLES, 0) | dict(cursor.fetchall())
        cursor.execute(PROFILES)
        profiles = dict.fromkeys(TABLES, 0) | dict(cursor.fetchall())
    return (per_table, profiles), time.perf_counter() - began


def _numbers(per_table, profiles):
    return {
        "total": sum(per_table.values()),
        "per_table": dict(sorted(per_table.items())),
        "profiles": dict(sorted(profiles.items())),
    }


@register
class ActiveProfiles(Benchmark):
    name = "activeProfiles"
    description = (
        "billingActiveContactCount: bootstrap (figure) and daily upkeep + count + snapshot "
        "vs the direct count"
    )
    baseline_sql = (
        "-- the direct count, at the run's time:\n" + DIRECT_COUNT.strip() + "\n" + PROFILES.strip()
    )
    target_ratio = 1.0
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        self.baseline_numbers = None
        generated = generate_data(scale, GENERATED, seed=1, now=NOW)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        tables = [ActiveContact, ActiveContactPending, ActiveContactSync, ActiveProfileSnapshot, ReadMark]
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(model._meta.db_table for model in tables))
            # The last day's logs are set aside: written again after the bootstrap, they
            # are the day's traffic the daily run reads.
            cursor.execute(f"DROP TABLE IF EXISTS {DAY_LOGS}")
            cursor.execute(
                f"CREATE TEMP TABLE {DAY_LOGS} AS SELECT * FROM campaign_deliverylog WHERE event_at > %s",
                [NOW - DAY],
            )
            cursor.execute("DELETE FROM campaign_deliverylog WHERE event_at > %s", [NOW - DAY])
            cursor.execute("VACUUM ANALYZE campaign_deliverylog")
            cursor.execute(f"SELECT COUNT(*) FROM {DAY_LOGS}")
            self.figures["logs of the last day (the daily run's reading)"] = cursor.fetchone()[0]
        yesterday = NOW - DAY
        _numbers_then, direct_seconds = direct_count(yesterday)
        started = time.perf_counter()
        upkeep = activity.bring_up_to_date(yesterday, WINDOW_MONTHS)
        bootstrap_seconds = time.perf_counter() - started
        assert upkeep.bootstrap, "the first run did not take the bulk path"
        self.figures["bootstrap (first run, bulk build) s"] = round(bootstrap_seconds, 2)
        self.figures["direct count over the logs and messages s"] = round(direct_seconds, 2)
        self.figures["bootstrap / direct count (target <= 2)"] = round(bootstrap_seconds / direct_seconds, 2)
        with connection.cursor() as cursor:
            # Every column but the change order: the day's rows get new ones, as the day's
            # traffic would have.
            columns = ", ".join(
                field.column for field in DeliveryLog._meta.concrete_fields if field.name != "change_order"
            )
            cursor.execute(f"INSERT INTO campaign_deliverylog ({columns}) SELECT {columns} FROM {DAY_LOGS}")
            cursor.execute("VACUUM ANALYZE campaign_deliverylog")
            cursor.execute(f"VACUUM ANALYZE {ActiveContact._meta.db_table}")
            for table, copy in COPIES.items():
                cursor.execute(f"DROP TABLE IF EXISTS {copy}")
                cursor.execute(f"CREATE TEMP TABLE {copy} AS SELECT * FROM {table}")
            cursor.execute(f"SELECT COUNT(*) FROM {ActiveContact._meta.db_table}")
            self.figures["active contact rows"] = cursor.fetchone()[0]

    def run_ours(self):
        upkept = time.perf_counter()
        upkeep = activity.bring_up_to_date(NOW, WINDOW_MONTHS)
        counted = time.perf_counter()
        activity.snapshot(NOW, WINDOW_MONTHS)
        done = time.perf_counter()
        return {
            "ours: upkeep s (rows of the day read by change order)": round(counted - upkept, 3),
            "ours: rows folded": upkeep.rows_written,
            "ours: count + snapshot s": round(done - counted, 3),
        }

    def reset(self):
        with transaction.atomic(), connection.cursor() as cursor:
            for table, copy in COPIES.items():
                cursor.execute(f"TRUNCATE {table}")
                cursor.execute(f"INSERT INTO {table} SELECT * FROM {copy}")
            cursor.execute(f"TRUNCATE {ActiveProfileSnapshot._meta.db_table}")
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {ActiveContact._meta.db_table}")

    def run_baseline(self):
        numbers, seconds = direct_count(NOW)
        self.figures["baseline: direct count s"] = round(seconds, 3)
        self.baseline_numbers = _numbers(*numbers)

    def result(self):
        if self.baseline_numbers is not None:
            return self.baseline_numbers
        snapshot = ActiveProfileSnapshot.objects.latest_first().first()
        return _numbers(snapshot.per_table, snapshot.profiles_per_table)

    def teardown(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {DAY_LOGS}, {', '.join(COPIES.values())}")


# reportingAggregates' benchmark lives in its own module; importing it registers it.
from . import aggregates_benchmark  # noqa: E402, F401
