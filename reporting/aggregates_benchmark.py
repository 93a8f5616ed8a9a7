"""Benchmark `reportingAggregates`: the first (full) build of the delivery report
aggregates over 10 million delivery logs and the tracking logs of 2 million hits,
against the best hand-written SQL for the same four aggregates, in one transaction.

Data (campaign.devtools.benchmarking.generate_data): datagen's "bench" sizes for recipients,
deliveries, delivery logs, tracking URLs and hits ("tiny": its tiny sizes); the hits
are consolidated into tracking logs first (not timed). Ours is reporting.aggregates'
rebuild at NOW (every day with data: the first build); the baseline is the same four
INSERT … SELECT, grouped by the local day, with no filter on days. `reset()` empties
the aggregates and the build's read mark. Registered by reporting/benchmarks.py.
"""

import time
from datetime import UTC, datetime

from django.db import connection, transaction
from django.utils import timezone

from campaign.devtools.benchmarking import Benchmark, generate_data, register
from campaign.models import ReadMark
from campaign.tracking import consolidation

from . import aggregates
from .models import AggregateBuild, DeliveryDay, DeliveryFailureDay, DomainDay, UserAgentDay

NOW = datetime(2026, 6, 10, 0, 0, tzinfo=UTC)  # 02:00 in Paris, the daily slot
TABLES = ("recipients", "deliveries", "delivery_logs", "tracking_urls", "tracking_hits")
AGGREGATES = (DeliveryDay, DeliveryFailureDay, DomainDay, UserAgentDay)
ZONE = "Europe/Paris"

BASELINE = [
    f"""
INSERT INTO reporting_deliveryday (day, delivery_id, channel_id, targeted, sent, delivered, failed,
    failed_hard, failed_soft, failed_ignored, opens, clicks, unique_opens, unique_clicks)
SELECT day, delivery_id, channel_id, SUM(targeted), SUM(sent), SUM(delivered), SUM(failed), SUM(hard),
    SUM(soft), SUM(ignored), SUM(opens), SUM(clicks), SUM(unique_opens), SUM(unique_clicks)
FROM (
  SELECT (l.event_at AT TIME ZONE '{ZONE}')::date AS day, l.delivery_id, d.channel_id, COUNT(*) AS targeted,
    COUNT(*) FILTER (WHERE l.status IN ('sent', 'delivered')) AS sent,
    COUNT(*) FILTER (WHERE l.status = 'delivered') AS delivered,
    COUNT(*) FILTER (WHERE l.status = 'failed') AS failed,
    COUNT(*) FILTER (WHERE l.status = 'failed' AND l.failure_type = 'hard') AS hard,
    COUNT(*) FILTER (WHERE l.status = 'failed' AND l.failure_type = 'soft') AS soft,
    COUNT(*) FILTER (WHERE l.status = 'failed' AND l.failure_type = 'ignored') AS ignored,
    0 AS opens, 0 AS clicks, 0 AS unique_opens, 0 AS unique_clicks
  FROM campaign_deliverylog l JOIN campaign_delivery d ON d.id = l.delivery_id GROUP BY 1, 2, 3
  UNION ALL
  SELECT (t.tracked_at AT TIME ZONE '{ZONE}')::date, t.delivery_id, d.channel_id, 0, 0, 0, 0, 0, 0, 0,
    COUNT(*) FILTER (WHERE t.kind = 'open'), COUNT(*) FILTER (WHERE t.kind = 'click'),
    COUNT(DISTINCT t.profile_id), COUNT(DISTINCT t.profile_id) FILTER (WHERE t.kind = 'click')
  FROM tracking_trackinglog t JOIN campaign_delivery d ON d.id = t.delivery_id GROUP BY 1, 2, 3
) u GROUP BY day, delivery_id, channel_id""",
    f"""
INSERT INTO reporting_deliveryfailureday (day, delivery_id, status, failure_type, failure_reason, messages)
SELECT (event_at AT TIME ZONE '{ZONE}')::date, delivery_id, status, failure_type, failure_reason, COUNT(*)
FROM campaign_deliverylog WHERE status IN ('failed', 'ignored') GROUP BY 1, 2, 3, 4, 5""",
    f"""
INSERT INTO reporting_domainday (day, delivery_id, domain, messages, failed, failed_hard, failed_soft)
SELECT (event_at AT TIME ZONE '{ZONE}')::date, delivery_id, lower(split_part(address, '@', 2)), COUNT(*),
    COUNT(*) FILTER (WHERE status = 'failed'),
    COUNT(*) FILTER (WHERE status = 'failed' AND failure_type = 'hard'),
    COUNT(*) FILTER (WHERE status = 'failed' AND failure_type = 'soft')
FROM campaign_deliverylog WHERE address LIKE '%%@_%%' GROUP BY 1, 2, 3""",
    f"""
INSERT INTO reporting_useragentday (day, dimension, name, visitors, hits)
SELECT (t.tracked_at AT TIME ZONE '{ZONE}')::date, dimension, name,
    COUNT(DISTINCT t.profile_table || ':' || t.profile_id), COUNT(*)
FROM tracking_trackinglog t LEFT JOIN tracking_useragent a ON a.id = t.user_agent_id
CROSS JOIN LATERAL (VALUES ('browser', COALESCE(NULLIF(a.browser, ''), 'Other')),
                           ('os', COALESCE(NULLIF(a.os, ''), 'Other'))) AS v(dimension, name)
GROUP BY 1, 2, 3""",
]


def _empty():
    with connection.cursor() as cursor:
        for model in (*AGGREGATES, AggregateBuild):
            cursor.execute(f"TRUNCATE {model._meta.db_table}")
    ReadMark.objects.filter(consumer=aggregates.CONSUMER).delete()


@register
class ReportingAggregates(Benchmark):
    name = "reportingAggregates"
    description = "reportingAggregates: first build of the delivery report aggregates over 10 M delivery logs"
    baseline_sql = ";\n".join(statement.strip() for statement in BASELINE) + ";"
    target_ratio = 1.5
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        generated = generate_data(scale, TABLES, seed=3, now=NOW)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        with connection.cursor() as cursor:
            for table in ("tracking_trackinglog", "tracking_trackingstatistic", "tracking_useragent"):
                cursor.execute(f"TRUNCATE {table}")
            cursor.execute("UPDATE campaign_trackinghit SET consolidated_at = NULL")
        started = time.perf_counter()
        totals = consolidation.consolidate(NOW, 200_000, log=lambda line: None)
        self.figures["hits consolidated first s"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE campaign_deliverylog, tracking_trackinglog")
            cursor.execute("SELECT COUNT(*) FROM campaign_deliverylog")
            logs = cursor.fetchone()[0]
        self.figures["rows"] = f"{logs:,} delivery logs, {totals.consolidated:,} tracking logs"
        _empty()

    def run_ours(self):
        with timezone.override(ZONE):
            build = aggregates.rebuild(NOW)
        return {"ours: days rebuilt": build.days, "ours: aggregate rows": build.rows}

    def reset(self):
        _empty()

    def run_baseline(self):
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in BASELINE:
                cursor.execute(statement)

    def result(self):
        figures = {}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*), SUM(targeted), SUM(sent), SUM(failed_hard), SUM(opens), "
                "SUM(unique_clicks), SUM(EXTRACT(DOY FROM day) * delivery_id) FROM reporting_deliveryday"
            )
            figures["delivery_days"] = [int(value or 0) for value in cursor.fetchone()]
            cursor.execute("SELECT COUNT(*), SUM(messages) FROM reporting_deliveryfailureday")
            figures["failure_days"] = [int(value or 0) for value in cursor.fetchone()]
            cursor.execute("SELECT COUNT(*), SUM(messages), SUM(failed) FROM reporting_domainday")
            figures["domain_days"] = [int(value or 0) for value in cursor.fetchone()]
            cursor.execute("SELECT COUNT(*), SUM(visitors), SUM(hits) FROM reporting_useragentday")
            figures["user_agent_days"] = [int(value or 0) for value in cursor.fetchone()]
        return figures

    def teardown(self):
        _empty()
