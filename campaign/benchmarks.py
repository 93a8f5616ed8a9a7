"""Benchmark `cleanup`: purge half of the delivery logs, batched, against one DELETE.

Data (campaign.devtools.benchmarking.generate_data): 10 million delivery logs over 18 months
("full"), or datagen's tiny sizes. The cutoff is the median event time, so that exactly
the older half (about 5 million rows) is expired under the default retention of 180
days; `NOW` is that median plus 180 days. Ours is the `delivery_logs` step of
campaign.cleanup with the default batch size (20,000 rows per transaction), run in a
child process; the baseline is one hand-written DELETE of the same rows, run here in one
transaction. `reset()` puts the deleted rows back from a copy taken in `prepare()` and
vacuums, so both start from the same table; `teardown()` drops that copy and the state
table. Figures: the longest single transaction of ours (each batch's BEGIN…COMMIT),
which is the longest time any lock was held, against the baseline's (its whole DELETE).
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection

from . import cleanup
from .devtools.benchmarking import Benchmark, generate_data, register
from .models import PurgeSettings, ReadMark, RetentionPeriod

TABLES = ("recipients", "deliveries", "delivery_logs")
STATE = "bench_cleanup_state"
SAVED = "bench_cleanup_saved"
RETENTION_DAYS = 180
GENERATED_AT = datetime(2026, 1, 1, tzinfo=UTC)  # fixed: the same seed gives the same rows


def _state():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cutoff, expired FROM {STATE}")
        return cursor.fetchone()


@register
class Cleanup(Benchmark):
    name = "cleanup"
    description = "cleanup: purge the expired half of the delivery logs in batches vs one DELETE"
    baseline_sql = "DELETE FROM campaign_deliverylog WHERE event_at < %(now)s - interval '180 days';"
    target_ratio = 1.5
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        generate_data(scale, TABLES, seed=11, now=GENERATED_AT)
        RetentionPeriod.objects.update_or_create(key="delivery_logs", defaults={"days": RETENTION_DAYS})
        ReadMark.objects.all().delete()  # no reader holds the logs back: this measures the purge alone
        settings = PurgeSettings.load()
        settings.batch_size = 20000
        settings.save()
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM campaign_deliverylog")
            total = cursor.fetchone()[0]
            cursor.execute(
                "SELECT event_at FROM campaign_deliverylog ORDER BY event_at OFFSET %s LIMIT 1", [total // 2]
            )
            cut = cursor.fetchone()[0]
            cursor.execute(f"DROP TABLE IF EXISTS {STATE}, {SAVED}")
            cursor.execute(
                f"CREATE TABLE {STATE} AS SELECT %s::timestamptz AS cutoff, COUNT(*) AS expired "
                "FROM campaign_deliverylog WHERE event_at < %s",
                [cut, cut],
            )
            cursor.execute(
                f"CREATE TABLE {SAVED} AS SELECT * FROM campaign_deliverylog WHERE event_at < %s", [cut]
            )
            # Both runs start from a vacuumed, analysed table (hint bits set, statistics fresh).
            cursor.execute("VACUUM (ANALYZE) campaign_deliverylog")
        self.figures["rows"] = f"{total:,} delivery logs, {_state()[1]:,} expired"

    def run_ours(self):
        cut, expired = _state()
        now = cut + timedelta(days=RETENTION_DAYS)
        lines = []
        job = cleanup.run_steps(now, log=lines.append, only=("delivery_logs",))
        return {
            "ours: batches": job.batches,
            "ours: longest transaction (s)": round(job.longest_batch, 3),
            "ours: batches walk": "; ".join(f"{t}: {how}" for t, how in job.strategies.items())
            or "the time index",
            "ours: journal": lines[-1],
        }

    def reset(self):
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO campaign_deliverylog SELECT * FROM {SAVED}")
            cursor.execute("VACUUM (ANALYZE) campaign_deliverylog")

    def run_baseline(self):
        cut, _ = _state()
        now = cut + timedelta(days=RETENTION_DAYS)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM campaign_deliverylog WHERE event_at < %s - interval '180 days'", [now]
            )
        self.figures["baseline: longest transaction (s)"] = round(time.perf_counter() - started, 3)

    def result(self):
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*), COALESCE(SUM(id), 0), MIN(event_at) FROM campaign_deliverylog")
            count, id_sum, oldest = cursor.fetchone()
        cut, expired = _state()
        return {
            "remaining": count,
            "id_sum": int(id_sum),
            "oldest_is_cutoff": oldest == cut,
            "expired": expired,
        }

    def teardown(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STATE}, {SAVED}")
