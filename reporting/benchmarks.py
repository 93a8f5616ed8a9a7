"""Benchmark `activeProfiles`: the daily active-profile run against hand-written SQL.

Data (campaign.devtools.benchmarking.generate_data): 1 million recipients, 200,000 external
profiles, 10 million delivery logs and 1 million Message Center events over 18 months
("full"), or datagen's "tiny" sizes. The active contacts are first built from every log
up to the day before (the bootstrap, reported as a figure); what is measured is the
daily run at `NOW`: fold the last day of logs and messages into the active contacts,
count per profile table and per channel, store the snapshot (ours, through
reporting.activity) against the same upkeep statements and the best count query we
could write by hand. `reset()` restores the active contacts as they were before our run
(from temporary copies), so both do the same work. The count alone is also timed for
each, as figures.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from campaign.choices import ProfileTable
from campaign.devtools.benchmarking import Benchmark, generate_data, register

from . import activity
from .models import ActiveContact, ActiveContactSync, ActiveProfileSnapshot

NOW = datetime(2026, 6, 10, 23, 0, tzinfo=UTC)  # 01:00 in Paris, the daily slot
WINDOW_MONTHS = 12
COPY = "bench_activecontact_copy"
MARKS_COPY = "bench_activecontactsync_copy"

GENERATED = ("recipients", "external_profiles", "deliveries", "delivery_logs", "event_types", "events")

# The hand-written count, run once per profile table (the fastest form we found: a
# single statement grouped by table makes PostgreSQL walk the unique index in profile
# order with random heap reads, several times slower). Rows are unique per profile and
# channel: a channel's figure is a plain count, the table's a distinct count.
BASELINE_COUNT = """
SELECT COUNT(DISTINCT a.profile_id),
       COUNT(*) FILTER (WHERE c.code = 'email'), COUNT(*) FILTER (WHERE c.code = 'sms'),
       COUNT(*) FILTER (WHERE c.code = 'push'), COUNT(*) FILTER (WHERE c.code = 'mail')
FROM reporting_activecontact a JOIN campaign_channel c ON c.id = a.channel_id
WHERE c.counts_for_billing AND a.profile_table = %(table)s
  AND a.last_activity_at >= %(start)s AND a.last_activity_at <= %(end)s
"""
BASELINE_CHANNELS = ("email", "sms", "push", "mail")
BASELINE_PROFILES = """
SELECT 'recipient', COUNT(*) FROM campaign_recipient
UNION ALL
SELECT kind, COUNT(*) FROM campaign_externalprofile GROUP BY kind
"""
TABLES = ProfileTable.values


@register
class ActiveProfiles(Benchmark):
    name = "activeProfiles"
    description = "billingActiveContactCount: daily upkeep + count + snapshot vs hand-written SQL"
    baseline_sql = (
        "-- upkeep: the same INSERT … SELECT … ON CONFLICT statements (reporting/activity.py)\n"
        + activity.UPKEEP_FROM_LOGS.strip()
        + "\n-- count, for each profile table:\n"
        + BASELINE_COUNT.strip()
        + "\n-- profiles per table:\n"
        + BASELINE_PROFILES.strip()
    )
    target_ratio = 1.2
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        self.baseline_numbers = None
        generated = generate_data(scale, GENERATED, seed=1, now=NOW)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {ActiveContact._meta.db_table}, {ActiveContactSync._meta.db_table}")
            cursor.execute(f"TRUNCATE {ActiveProfileSnapshot._meta.db_table}")
        yesterday = NOW - timedelta(days=1)
        started = time.perf_counter()
        activity.bring_up_to_date(yesterday, WINDOW_MONTHS)
        self.figures["bootstrap from every log s"] = round(time.perf_counter() - started, 2)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {ActiveContact._meta.db_table}")
            for copy, table in ((COPY, ActiveContact), (MARKS_COPY, ActiveContactSync)):
                cursor.execute(f"DROP TABLE IF EXISTS {copy}")
                cursor.execute(f"CREATE TEMP TABLE {copy} AS SELECT * FROM {table._meta.db_table}")
            cursor.execute(f"SELECT COUNT(*) FROM {ActiveContact._meta.db_table}")
            self.figures["active contact rows"] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT COUNT(*) FROM campaign_deliverylog WHERE event_at >= %s",
                [yesterday - activity.LATE_ARRIVAL_MARGIN],
            )
            self.figures["logs read by the daily upkeep"] = cursor.fetchone()[0]
        self.reset()  # both runs start from the same freshly written table

    def run_ours(self):
        upkept = time.perf_counter()
        activity.bring_up_to_date(NOW, WINDOW_MONTHS)
        counted = time.perf_counter()
        activity.snapshot(NOW, WINDOW_MONTHS)
        done = time.perf_counter()
        return {
            "ours: upkeep s": round(counted - upkept, 3),
            "ours: count + snapshot s": round(done - counted, 3),
        }

    def reset(self):
        with transaction.atomic(), connection.cursor() as cursor:
            for copy, table in ((COPY, ActiveContact), (MARKS_COPY, ActiveContactSync)):
                cursor.execute(f"TRUNCATE {table._meta.db_table}")
                cursor.execute(f"INSERT INTO {table._meta.db_table} SELECT * FROM {copy}")
            cursor.execute(f"TRUNCATE {ActiveProfileSnapshot._meta.db_table}")
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {ActiveContact._meta.db_table}")

    def run_baseline(self):
        start = activity.window_start(NOW, WINDOW_MONTHS)
        since = NOW - timedelta(days=1) - activity.LATE_ARRIVAL_MARGIN
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(activity.UPKEEP_FROM_LOGS, [since, NOW])
            cursor.execute(activity.UPKEEP_FROM_MESSAGES, [since, NOW, "processed"])
        counted = time.perf_counter()
        per_table, per_channel = {}, dict.fromkeys(BASELINE_CHANNELS, 0)
        with connection.cursor() as cursor:
            for table in TABLES:
                cursor.execute(BASELINE_COUNT, {"table": table, "start": start, "end": NOW})
                profiles, *channels = cursor.fetchone()
                per_table[table] = profiles
                for code, n in zip(BASELINE_CHANNELS, channels, strict=True):
                    per_channel[code] += n
            cursor.execute(BASELINE_PROFILES)
            totals = dict.fromkeys(TABLES, 0) | dict(cursor.fetchall())
        done = time.perf_counter()
        self.figures["baseline: upkeep s"] = round(counted - began, 3)
        self.figures["baseline: count s"] = round(done - counted, 3)
        self.baseline_numbers = self._numbers(sum(per_table.values()), per_table, per_channel, totals)

    def result(self):
        if self.baseline_numbers is not None:
            return self.baseline_numbers
        snapshot = ActiveProfileSnapshot.objects.latest_first().first()
        return self._numbers(
            snapshot.total, snapshot.per_table, snapshot.per_channel, snapshot.profiles_per_table
        )

    @staticmethod
    def _numbers(total, per_table, per_channel, profiles):
        return {
            "total": total,
            "per_table": dict(sorted(per_table.items())),
            "per_channel": dict(sorted(per_channel.items())),
            "profiles": dict(sorted(profiles.items())),
        }
