"""Benchmarks of the two Full aggregates against hand-written SQL (PostgreSQL).

`agg_nmspropositionrcp_full`: 10 million propositions (with the bench preset's
recipients, deliveries and delivery logs, which place 60 % of them in deliveries);
`agg_messageCenter_full`: 5 million archived Message Center events (the queue's
1 million and 4 million older ones). At tiny scale, datagen's "tiny" sizes.

Ours is the workflow's rebuild (reporting/cubes/aggregates.py: DELETE, the ORM-written
INSERT … SELECT … GROUP BY, the summaries rolled up from it, the build record,
ANALYZE); the baseline is the same transaction with the best INSERT … SELECT … GROUP BY
we could write by hand (and the summaries' from the aggregate), then the same ANALYZE.
Both replace an aggregate built beforehand, as the daily run does, and must give the
same tables (a checksum of every row). Between the two (`reset`),
each ready-made report page is fetched over the aggregate ours built (median of five,
through Django's test client, as an administrator) and timed against the 300 ms target;
a page that reads the facts is fetched once and says so.
"""

import statistics
import time
from datetime import UTC, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaign.devtools import datagen
from campaign.devtools.benchmarking import SCALES, Benchmark, register

from . import aggregates, archive, queries
from .definitions import MESSAGE_CENTER, PROPOSITIONS
from .forms import view_data
from .reports import views_of

NOW = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)  # 06:00 in Paris, the proposition slot
PAGE_TARGET_MS = 300
PAGE_FETCHES = 5
BENCH_USER = "bench_cubes_reader"

PROPOSITION_BASELINE = """
INSERT INTO cubes_propositionaggregate
    (day, channel, delivery, offer, space, propositions, presented, accepted, rejected, interested)
SELECT (p.proposed_at AT TIME ZONE %(tz)s)::date, p.channel_id, p.delivery_id, p.offer_id, p.space_id,
       COUNT(*),
       COUNT(*) FILTER (WHERE p.status IN ('presented', 'interested', 'accepted', 'rejected')),
       COUNT(*) FILTER (WHERE p.status = 'accepted'),
       COUNT(*) FILTER (WHERE p.status = 'rejected'),
       COUNT(*) FILTER (WHERE p.status = 'interested')
FROM offers_proposition p
GROUP BY 1, 2, 3, 4, 5
"""

PROPOSITION_SUMMARY_BASELINES = (
    """
INSERT INTO cubes_propositionoffersummary
    (month, channel, offer, propositions, presented, accepted, rejected, interested)
SELECT date_trunc('month', day)::date, channel, offer,
       SUM(propositions), SUM(presented), SUM(accepted), SUM(rejected), SUM(interested)
FROM cubes_propositionaggregate
GROUP BY 1, 2, 3
""",
    """
INSERT INTO cubes_propositiondeliverysummary
    (day, channel, delivery, space, propositions, presented, accepted, rejected, interested)
SELECT day, channel, delivery, space,
       SUM(propositions), SUM(presented), SUM(accepted), SUM(rejected), SUM(interested)
FROM cubes_propositionaggregate
GROUP BY 1, 2, 3, 4
""",
)

MESSAGE_CENTER_BASELINE = """
INSERT INTO cubes_messagecenteraggregate
    (day, channel, status, event_type, events, sent, failed, ignored, expired,
     processing_time_sum, processing_time_count, processing_time_p95)
SELECT (e.created_at AT TIME ZONE %(tz)s)::date, e.channel_id, e.status, e.event_type_id,
       COUNT(*),
       COUNT(*) FILTER (WHERE e.status = 'sent'),
       COUNT(*) FILTER (WHERE e.status = 'failed'),
       COUNT(*) FILTER (WHERE e.status = 'ignored'),
       COUNT(*) FILTER (WHERE e.status = 'expired'),
       SUM(date_part('epoch', e.processed_at - e.created_at)),
       COUNT(e.processed_at),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY date_part('epoch', e.processed_at - e.created_at))
FROM cubes_archivedevent e
GROUP BY 1, 2, 3, 4
"""


def table_checksum(cube, target):
    """Rows, per-column totals and an order-free hash of every row of one table
    (floats rounded: parallel sums may differ in their last bits)."""
    model = target.model_class
    columns = [model._meta.get_field(name).column for name in queries.target_columns(cube, target)]
    floats = {f.column for f in model._meta.concrete_fields if f.get_internal_type() == "FloatField"}
    dates_and_text = {target.level, "status"}
    shown = [f"round({c}::numeric, 3)" if c in floats else c for c in columns]
    sums = [f"SUM({c})" for c in columns if c not in dates_and_text and c not in floats]
    row = ", ".join(f"COALESCE(({c})::text, '-')" for c in shown)
    sql = (
        f"SELECT COUNT(*), {', '.join(sums)}, SUM(hashtext(concat_ws('|', {row}))::bigint) "
        f"FROM {model._meta.db_table}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        found = cursor.fetchone()
    return {"rows": found[0], "sums": [int(value or 0) for value in found[1:-1]], "hash": int(found[-1] or 0)}


def aggregate_checksum(cube):
    """The checksum of the Full aggregate and of each of its summaries."""
    return {target.model: table_checksum(cube, target) for target in queries.targets(cube)}


class CubeBenchmark(Benchmark):
    """Shared steps: rebuild ours against the hand-written SQL, then time the pages."""

    cube = None
    baseline_template = ""
    summary_baselines = ()
    target_ratio = 1.2
    target_memory_mb = 200
    vendors = ("postgresql",)

    @classmethod
    def baseline(cls):
        return cls.baseline_template.replace("%(tz)s", f"'{settings.TIME_ZONE}'")

    # {table key: rows} at full scale, beyond the bench preset's; the other tables of
    # `tables` take the preset's counts.
    tables = ()
    full_counts = {}

    def prepare(self, scale):
        counts = datagen.preset_counts(SCALES[scale])
        counts = {key: counts.get(key, 0) for key in self.tables}
        if scale == "full":
            counts.update(self.full_counts)
        generated = datagen.generate(counts, seed=1, now=NOW, truncate=True)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        self.prepare_facts()
        model = queries.fact_model(self.cube)
        self.figures["fact rows"] = model._base_manager.count()
        started = time.perf_counter()
        aggregates.rebuild(self.cube, NOW)  # yesterday's aggregate, which both replace
        self.figures["first build s"] = round(time.perf_counter() - started, 2)

    def prepare_facts(self):
        """Anything the facts need after generation (default: nothing)."""

    def run_ours(self):
        rebuilt = aggregates.rebuild(self.cube, NOW)
        figures = {"aggregate rows": rebuilt.build.rows, "facts read": rebuilt.build.facts}
        figures.update({f"{model} rows": rows for model, rows in rebuilt.summary_rows.items()})
        return figures

    def reset(self):
        """Time the report pages over the aggregate ours built (the baseline replaces it)."""
        self.time_pages()

    def run_baseline(self):
        tables = [target.model_class for target in queries.targets(self.cube)]
        with transaction.atomic(), connection.cursor() as cursor:
            for model in tables:
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
            cursor.execute(self.baseline())
            for statement in self.summary_baselines:
                cursor.execute(statement)
        aggregates.analyze(tables[-1])  # the Full aggregate, as ours
        for model in tables[:-1]:
            aggregates.analyze(model, vacuum=True)

    def result(self):
        return aggregate_checksum(self.cube)

    def teardown(self):
        get_user_model().objects.filter(username=BENCH_USER).delete()

    def time_pages(self):
        """Median response time of each ready-made view (five fetches over the
        aggregate, one when it reads the facts)."""
        user, _ = get_user_model().objects.get_or_create(
            username=BENCH_USER, defaults={"is_staff": True, "is_superuser": True}
        )
        client = Client()
        client.force_login(user)
        url = reverse(f"cubes:{self.cube.key}")
        today = timezone.localdate(NOW)  # the view's period ends on the data's day
        for view in views_of(self.cube):
            query = {**view_data(view, today), "show": "1"}
            durations, source = [], "aggregate"
            while len(durations) < (PAGE_FETCHES if source == "aggregate" else 1):
                started = time.perf_counter()
                response = client.get(url, query, HTTP_HOST="localhost")
                durations.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{url} ({view.key}) answered {response.status_code}")
                source = "aggregate" if b'data-source="aggregate"' in response.content else "facts"
            self.figures[f"page {view.key} ms (read from the {source})"] = round(statistics.median(durations))
        self.figures["page target ms (over the aggregate)"] = PAGE_TARGET_MS


@register
class PropositionCube(CubeBenchmark):
    name = "agg_nmspropositionrcp_full"
    description = "Offer proposition cube: full rebuild of its aggregate vs hand-written INSERT … SELECT"
    cube = PROPOSITIONS
    baseline_template = PROPOSITION_BASELINE
    summary_baselines = PROPOSITION_SUMMARY_BASELINES
    baseline_sql = (PROPOSITION_BASELINE + "".join(PROPOSITION_SUMMARY_BASELINES)).replace(
        "%(tz)s", f"'{settings.TIME_ZONE}'"
    )
    tables = (
        "recipients",
        "deliveries",
        "delivery_logs",
        "categories",
        "offer_spaces",
        "offers",
        "propositions",
    )
    full_counts = {"propositions": 10_000_000}


@register
class MessageCenterCube(CubeBenchmark):
    name = "agg_messageCenter_full"
    description = "Message Center cube: full rebuild of its aggregate vs hand-written INSERT … SELECT"
    cube = MESSAGE_CENTER
    baseline_template = MESSAGE_CENTER_BASELINE
    baseline_sql = MESSAGE_CENTER_BASELINE.replace("%(tz)s", f"'{settings.TIME_ZONE}'")
    tables = ("event_types", "events", "archived_events")
    # The queue's 1,000,000 events (bench preset) are archived too: 5,000,000 in all.
    full_counts = {"archived_events": 4_000_000}

    def prepare_facts(self):
        # What agg_messageCenter_full does before its rebuild (generation did it once).
        started = time.perf_counter()
        archive.sync()
        self.figures["archive sync of the queue s (workflow step before the rebuild)"] = round(
            time.perf_counter() - started, 2
        )
