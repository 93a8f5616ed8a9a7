"""Benchmarks of deliverabilityUpdate's successes step (the part that reads the largest
table), against one hand-written UPDATE for the same result.

Data (campaign.devtools.benchmarking.generate_data): 1 million recipients, 5,000
deliveries, 10 million delivery logs over 18 months and 50,000 quarantine entries
("full"), or datagen's tiny sizes, generated up to `NOW`.

- `lastSuccesses`: the first run on an existing database (no pointer yet: every log is
  read) against one UPDATE … FROM over all the successes. Target: at most 1.5× the
  single statement.
- `lastSuccessesDaily`: the nightly run, after a first run, over the last day's logs
  (set aside before the first run and written again, so they have new change orders
  like a day's traffic), read by change order, against the same UPDATE over the logs
  of the last day by event time. Target: at most 1.5×.
Both sides must leave the same last successes (count, latest, sum of times).
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection

from campaign import changes
from campaign.devtools.benchmarking import Benchmark, generate_data, register
from campaign.models import DeliveryLog

from . import successes
from .models import Pointer

NOW = datetime(2026, 6, 11, 1, 30, tzinfo=UTC)  # 03:30 in Paris, the nightly slot
GENERATED = ("recipients", "deliveries", "delivery_logs", "quarantine")
DAY_LOGS = "bench_day_logs"

BASELINE = """
UPDATE campaign_quarantine q SET last_success_at = found.last_success, updated_at = %(now)s
FROM (
    SELECT l.address, d.channel_id, LEAST(MAX(l.event_at), %(now)s) AS last_success
    FROM campaign_deliverylog l JOIN campaign_delivery d ON d.id = l.delivery_id
    WHERE l.status IN ('sent', 'delivered') AND l.address <> '' {since}
    GROUP BY l.address, d.channel_id
) found
WHERE q.address = found.address AND q.channel_id = found.channel_id
  AND (q.last_success_at IS NULL OR q.last_success_at < found.last_success)
"""
RESULT = """
SELECT COUNT(last_success_at), MAX(last_success_at)::text,
       COALESCE(SUM(EXTRACT(EPOCH FROM last_success_at))::bigint, 0)
FROM campaign_quarantine
"""


def settled(seconds=300):
    """Wait until every delivery log is below the change horizon: the step reads up to
    it, and on a shared server another session's open transaction holds it back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(change_order), 0) FROM campaign_deliverylog")
        highest = cursor.fetchone()[0]
    deadline = time.monotonic() + seconds
    while changes.horizon(successes.SOURCE) <= highest:
        if time.monotonic() > deadline:
            raise RuntimeError("another session kept a transaction open: the change horizon did not move")
        time.sleep(0.5)


def forget_successes():
    """No last success anywhere and no pointer: the state before the step ever ran."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE campaign_quarantine SET last_success_at = NULL WHERE last_success_at IS NOT NULL"
        )
    Pointer.objects.filter(name=successes.POINTER).delete()


def quarantine_result():
    with connection.cursor() as cursor:
        cursor.execute(RESULT)
        count, latest, total = cursor.fetchone()
    return {"stamped": count, "latest": latest, "sum_of_epochs": total}


@register
class LastSuccesses(Benchmark):
    name = "lastSuccesses"
    description = "deliverabilityUpdate's successes step, first run (every log) vs one UPDATE"
    baseline_sql = BASELINE.format(since="")
    target_ratio = 1.5
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        generated = generate_data(scale, GENERATED, seed=7, now=NOW)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        forget_successes()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE campaign_quarantine")
            cursor.execute("SELECT COUNT(*) FROM campaign_deliverylog")
            self.figures["delivery logs"] = cursor.fetchone()[0]
        settled()

    def run_ours(self):
        stamped = successes.stamp_successes(NOW)
        return {"ours: quarantine records stamped": stamped.records_stamped}

    def reset(self):
        forget_successes()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE campaign_quarantine")

    def run_baseline(self):
        with connection.cursor() as cursor:
            cursor.execute(BASELINE.format(since=""), {"now": NOW})

    def result(self):
        return quarantine_result()


@register
class LastSuccessesDaily(Benchmark):
    name = "lastSuccessesDaily"
    description = (
        "deliverabilityUpdate's successes step, nightly (the day's logs by change order) vs one UPDATE"
    )
    baseline_sql = BASELINE.format(since="AND l.event_at > %(now)s - interval '1 day'")
    target_ratio = 1.5
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        generated = generate_data(scale, GENERATED, seed=7, now=NOW)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        forget_successes()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {DAY_LOGS}")
            cursor.execute(
                f"CREATE TEMP TABLE {DAY_LOGS} AS SELECT * FROM campaign_deliverylog WHERE event_at > %s",
                [NOW - timedelta(days=1)],
            )
            cursor.execute("DELETE FROM campaign_deliverylog WHERE event_at > %s", [NOW - timedelta(days=1)])
            cursor.execute(f"SELECT COUNT(*) FROM {DAY_LOGS}")
            self.figures["logs of the last day"] = cursor.fetchone()[0]
        settled()
        successes.stamp_successes(NOW - timedelta(days=1))  # the first run, the night before
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE campaign_quarantine SET last_success_at = NULL WHERE last_success_at IS NOT NULL"
            )
            # Written again without their change order: they get new ones (the column's
            # default), as the day's traffic would have.
            columns = ", ".join(
                field.column for field in DeliveryLog._meta.concrete_fields if field.column != "change_order"
            )
            cursor.execute(f"INSERT INTO campaign_deliverylog ({columns}) SELECT {columns} FROM {DAY_LOGS}")
            cursor.execute("VACUUM ANALYZE campaign_deliverylog")
            cursor.execute("VACUUM ANALYZE campaign_quarantine")
        settled()
        self.pointer = Pointer.objects.get(name=successes.POINTER).position

    def run_ours(self):
        stamped = successes.stamp_successes(NOW)
        return {"ours: quarantine records stamped": stamped.records_stamped}

    def reset(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE campaign_quarantine SET last_success_at = NULL WHERE last_success_at IS NOT NULL"
            )
        Pointer.objects.filter(name=successes.POINTER).update(position=self.pointer)

    def run_baseline(self):
        with connection.cursor() as cursor:
            cursor.execute(self.baseline_sql, {"now": NOW})

    def result(self):
        return quarantine_result()

    def teardown(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {DAY_LOGS}")
