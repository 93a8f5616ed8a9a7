"""Benchmark `offerMgt`: deploy a catalog of 10,000 offers in 500 categories, 1,000 of
them changed since the last run, against hand-written SQL for the same result.

Data (campaign.devtools.benchmarking.generate_data, the "bench" preset of the offer
tables; "tiny" at tiny scale): categories, offer spaces and design offers in every
status with live copies of the live ones. `prepare()` deploys it once (the last run),
then changes a tenth of the offers as operators would between two runs: 60 % get a new
approved version (label and contents edited), 30 % are approved for the first time,
10 % are disabled; and 2 % of the categories are renamed, 1 % moved. Ours is a whole
offerMgt run through the engine (run ledger, journal, the deployment in one
transaction), in a child process, with its query count; the baseline is the same
deployment hand-written for PostgreSQL (upserts on the live-copy keys with ON CONFLICT,
one transaction). `reset()` restores the catalog from copies taken in `prepare()`;
`result()` compares the live catalog without its row ids (which differ between the
two), and the design statuses.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from campaign.devtools.benchmarking import Benchmark, generate_data, register
from workflows.api import run_by_name

from . import deployment, triggers
from .models import Category, Environment, Offer, OfferAudit, OfferContent, OfferSpace

GENERATED_AT = datetime(2026, 6, 1, tzinfo=UTC)
LAST_RUN = GENERATED_AT + timedelta(minutes=30)
TABLES = ("categories", "offer_spaces", "offers")
COPIES = {
    model._meta.db_table: f"bench_offers_{model._meta.model_name}"
    for model in (Category, OfferSpace, Offer, OfferContent)
}
OFFER, CATEGORY, SPACE, CONTENT, ENV = (
    Offer._meta.db_table,
    Category._meta.db_table,
    OfferSpace._meta.db_table,
    OfferContent._meta.db_table,
    Environment._meta.db_table,
)

# Between two runs: a tenth of the offers (new versions, first approvals, disabled) and
# a few categories (renamed, moved). `%(n)s` is the number of offers of each kind.
CHANGES = [
    f"""CREATE TEMP TABLE bench_offers_versions AS SELECT id FROM {OFFER}
        WHERE status = 'live' AND design_offer_id IS NULL ORDER BY id LIMIT %(versions)s""",
    f"""UPDATE {OFFER} SET version = version + 1, label = label || ' (new)', status = 'approved'
        WHERE id IN (SELECT id FROM bench_offers_versions)""",
    f"""UPDATE {CONTENT} SET text = text || ' Now even better.'
        WHERE offer_id IN (SELECT id FROM bench_offers_versions)""",
    f"""UPDATE {OFFER} SET status = 'approved', content_approval = 'approved', eligibility_approval =
            'approved'
        WHERE id IN (SELECT id FROM {OFFER} WHERE status IN ('edition', 'pending_approval')
                     AND design_offer_id IS NULL ORDER BY id LIMIT %(first_approvals)s)""",
    f"""UPDATE {OFFER} SET status = 'disabled'
        WHERE id IN (SELECT id FROM {OFFER} WHERE status = 'live' AND design_offer_id IS NULL
                     ORDER BY id DESC LIMIT %(disabled)s)""",
    f"""UPDATE {CATEGORY} SET name = name || ' (renamed)'
        WHERE id IN (SELECT id FROM {CATEGORY} WHERE design_category_id IS NULL ORDER BY id DESC
                     LIMIT %(renamed)s)""",
    f"""UPDATE {CATEGORY} c SET parent_id = (SELECT MIN(t.id) FROM {CATEGORY} t
            WHERE t.parent_id IS NULL AND t.design_category_id IS NULL AND t.environment_id =
                c.environment_id)
        WHERE id IN (SELECT id FROM {CATEGORY} WHERE design_category_id IS NULL AND parent_id IS NOT NULL
                     ORDER BY id LIMIT %(moved)s)""",
    "DROP TABLE bench_offers_versions",
]

# The same deployment hand-written for PostgreSQL: upserts on the live-copy keys.
BASELINE = [
    f"UPDATE {OFFER} SET status = 'live' WHERE status = 'approved' AND environment_id IN "
    f"(SELECT id FROM {ENV} WHERE kind = 'design' AND live_id IS NOT NULL)",
    f"""INSERT INTO {SPACE} (environment_id, name, channel_id, enabled, design_space_id, deployed_at)
        SELECT e.live_id, d.name, d.channel_id, d.enabled, d.id, %(now)s FROM {SPACE} d
        JOIN {ENV} e ON e.id = d.environment_id AND e.kind = 'design' AND e.live_id IS NOT NULL
        ON CONFLICT (design_space_id) DO UPDATE SET name = excluded.name, channel_id = excluded.channel_id,
            enabled = excluded.enabled, deployed_at = excluded.deployed_at
        WHERE ({SPACE}.name, {SPACE}.channel_id, {SPACE}.enabled)
            IS DISTINCT FROM (excluded.name, excluded.channel_id, excluded.enabled)""",
    f"""UPDATE {SPACE} SET enabled = FALSE WHERE enabled AND environment_id IN (SELECT id FROM {ENV}
            WHERE kind = 'live')
        AND NOT EXISTS (SELECT 1 FROM {SPACE} d WHERE d.id = {SPACE}.design_space_id)""",
    f"""INSERT INTO {CATEGORY} (environment_id, parent_id, name, enabled, valid_from, valid_until,
            weight, themes,
            target, design_category_id, deployed_at)
        SELECT e.live_id, NULL, d.name, d.enabled, d.valid_from, d.valid_until, d.weight, d.themes, d.target,
            d.id, %(now)s FROM {CATEGORY} d
        JOIN {ENV} e ON e.id = d.environment_id AND e.kind = 'design' AND e.live_id IS NOT NULL
        ON CONFLICT (design_category_id) DO UPDATE SET name = excluded.name, enabled = excluded.enabled,
            valid_from = excluded.valid_from, valid_until = excluded.valid_until, weight = excluded.weight,
            themes = excluded.themes, target = excluded.target, deployed_at = excluded.deployed_at
        WHERE ({CATEGORY}.name, {CATEGORY}.enabled, {CATEGORY}.valid_from, {CATEGORY}.valid_until,
               {CATEGORY}.weight, {CATEGORY}.themes, {CATEGORY}.target)
            IS DISTINCT FROM (excluded.name, excluded.enabled, excluded.valid_from, excluded.valid_until,
               excluded.weight, excluded.themes, excluded.target)""",
    f"""UPDATE {CATEGORY} l SET parent_id = lp.id, deployed_at = %(now)s
        FROM {CATEGORY} d LEFT JOIN {CATEGORY} lp ON lp.design_category_id = d.parent_id
        WHERE l.design_category_id = d.id AND l.parent_id IS DISTINCT FROM lp.id""",
    f"""UPDATE {CATEGORY} SET enabled = FALSE WHERE enabled AND environment_id IN (SELECT id FROM {ENV}
            WHERE kind = 'live')
        AND NOT EXISTS (SELECT 1 FROM {CATEGORY} d WHERE d.id = {CATEGORY}.design_category_id)""",
    f"""UPDATE {OFFER} SET status = 'disabled', deactivated_at = %(now)s, updated_at = %(now)s
        WHERE deactivated_at IS NULL AND environment_id IN (SELECT id FROM {ENV} WHERE kind = 'live')
        AND NOT EXISTS (SELECT 1 FROM {OFFER} d WHERE d.id = {OFFER}.design_offer_id AND d.status <>
            'disabled')""",
    f"""DELETE FROM {CONTENT} WHERE offer_id IN (SELECT l.id FROM {OFFER} l JOIN {OFFER} d ON d.id =
            l.design_offer_id
        WHERE d.status = 'live' AND l.version <> d.version)""",
    f"""INSERT INTO {OFFER} (environment_id, category_id, code, label, status, weight, valid_from,
            valid_until,
            content, target, version, content_approval, content_decided_by_id, content_decided_at,
            eligibility_approval, eligibility_decided_by_id, eligibility_decided_at, design_offer_id,
            approved_by_id, approved_at, deployed_at, deactivated_at, updated_at)
        SELECT e.live_id, lc.id, d.code, d.label, 'live', d.weight, d.valid_from, d.valid_until, d.content,
            d.target, d.version, d.content_approval, d.content_decided_by_id, d.content_decided_at,
            d.eligibility_approval, d.eligibility_decided_by_id, d.eligibility_decided_at, d.id,
            d.approved_by_id, d.approved_at, %(now)s, NULL, %(now)s
        FROM {OFFER} d JOIN {ENV} e ON e.id = d.environment_id AND e.live_id IS NOT NULL
        JOIN {CATEGORY} lc ON lc.design_category_id = d.category_id
        LEFT JOIN {OFFER} l ON l.design_offer_id = d.id
        WHERE d.status = 'live' AND (l.id IS NULL OR l.version <> d.version OR l.deactivated_at IS NOT NULL
                                     OR l.category_id <> lc.id)
        ON CONFLICT (design_offer_id) DO UPDATE SET code = excluded.code, label = excluded.label,
            content = excluded.content, weight = excluded.weight, valid_from = excluded.valid_from,
            valid_until = excluded.valid_until, target = excluded.target, version = excluded.version,
            content_approval = excluded.content_approval, content_decided_by_id =
                excluded.content_decided_by_id,
            content_decided_at = excluded.content_decided_at, eligibility_approval =
                excluded.eligibility_approval,
            eligibility_decided_by_id = excluded.eligibility_decided_by_id,
            eligibility_decided_at = excluded.eligibility_decided_at, approved_by_id =
                excluded.approved_by_id,
            approved_at = excluded.approved_at, category_id = excluded.category_id, status = 'live',
            deployed_at = excluded.deployed_at, deactivated_at = NULL, updated_at = excluded.updated_at""",
    f"""INSERT INTO {CONTENT} (offer_id, space_id, title, text, link)
        SELECT l.id, ls.id, dc.title, dc.text, dc.link FROM {OFFER} l
        JOIN {OFFER} d ON d.id = l.design_offer_id AND d.status = 'live' AND d.version = l.version
        JOIN {CONTENT} dc ON dc.offer_id = d.id JOIN {SPACE} ls ON ls.design_space_id = dc.space_id
        WHERE NOT EXISTS (SELECT 1 FROM {CONTENT} lt WHERE lt.offer_id = l.id)""",
]

# The live catalog without its row ids, and the design statuses.
RESULT = f"""
SELECT
  (SELECT COUNT(*) FROM {OFFER} l JOIN {ENV} e ON e.id = l.environment_id AND e.kind = 'live'),
  (SELECT COUNT(*) FROM {OFFER} l JOIN {ENV} e ON e.id = l.environment_id AND e.kind = 'live'
     WHERE l.deactivated_at IS NULL),
  (SELECT COALESCE(SUM(l.version + l.design_offer_id + lc.design_category_id + length(l.label)), 0)
     FROM {OFFER} l JOIN {CATEGORY} lc ON lc.id = l.category_id WHERE l.design_offer_id IS NOT NULL),
  (SELECT COUNT(*) FROM {CONTENT} t JOIN {OFFER} l ON l.id = t.offer_id WHERE l.design_offer_id IS NOT NULL),
  (SELECT COALESCE(SUM(ls.design_space_id + length(t.text)), 0) FROM {CONTENT} t
     JOIN {OFFER} l ON l.id = t.offer_id JOIN {SPACE} ls ON ls.id = t.space_id WHERE l.design_offer_id
         IS NOT NULL),
  (SELECT COALESCE(SUM(l.design_category_id + COALESCE(lp.design_category_id, 0) + length(l.name)
          + CASE WHEN l.enabled THEN 1 ELSE 0 END), 0)
     FROM {CATEGORY} l LEFT JOIN {CATEGORY} lp ON lp.id = l.parent_id WHERE l.design_category_id IS NOT NULL),
  (SELECT COUNT(*) FROM {OFFER} WHERE design_offer_id IS NULL AND status = 'live'),
  (SELECT COUNT(*) FROM {OFFER} WHERE status = 'approved')
"""
RESULT_KEYS = (
    "live offers",
    "active live offers",
    "live offers checksum",
    "live contents",
    "live contents checksum",
    "live categories checksum",
    "design offers live",
    "design offers approved",
)


def _changes(offers, categories):
    """60 % new versions, 30 % first approvals, 10 % disabled of a tenth of the offers
    (one of each at least)."""
    tenth = max(3, offers // 10)
    versions, first_approvals = max(1, tenth * 6 // 10), max(1, tenth * 3 // 10)
    return {
        "versions": versions,
        "first_approvals": first_approvals,
        "disabled": max(1, tenth - versions - first_approvals),
        "renamed": max(1, categories // 50),
        "moved": max(1, categories // 100),
    }


@register
class OfferManagement(Benchmark):
    name = "offerMgt"
    description = "offerMgt: deploy 10,000 offers in 500 categories, 1,000 changed since the last run"
    baseline_sql = ";\n".join(BASELINE) + ";"
    target_ratio = 2.0
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        generated = generate_data(scale, TABLES, seed=13, now=GENERATED_AT)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        deployment.deploy(LAST_RUN)  # the last run: live is up to date
        offers = Offer.objects.design().count()
        categories = Category.objects.design().count()
        changes = _changes(offers, categories)
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in CHANGES:
                cursor.execute(statement, changes)
        triggers.flag()
        spaces, live = OfferSpace.objects.design().count(), Offer.objects.active_live().count()
        self.figures["catalog"] = (
            f"{offers:,} design offers in {categories:,} categories, {spaces} spaces; {live:,} live"
        )
        planned = deployment.plan(LAST_RUN)
        self.figures["changed since the last run"] = (
            f"{changes['versions']} new versions, {changes['first_approvals']} first approvals, "
            f"{changes['disabled']} disabled offers; {changes['renamed']} categories renamed, "
            f"{changes['moved']} moved (plan: {planned.offers_published} to publish, "
            f"{planned.offers_updated} to update, {planned.offers_deactivated} to deactivate)"
        )
        with connection.cursor() as cursor:
            for table, copy in COPIES.items():
                cursor.execute(f"DROP TABLE IF EXISTS {copy}")
                cursor.execute(f"CREATE TABLE {copy} AS SELECT * FROM {table}")
            cursor.execute(f"VACUUM ANALYZE {', '.join(COPIES)}")

    def run_ours(self):
        timings = []
        deploy = deployment.deploy

        def timed(now):
            started = time.perf_counter()
            counts = deploy(now)
            timings.append(time.perf_counter() - started)
            return counts

        deployment.deploy = timed
        with CaptureQueriesContext(connection) as captured:
            run = run_by_name("offerMgt")
        if run.status != "succeeded":
            raise RuntimeError(f"offerMgt run #{run.pk} {run.status}: {run.error}")
        on_catalog = [query for query in captured.captured_queries if "offers_" in query["sql"]]
        return {
            "ours: queries of the run (engine included)": len(captured.captured_queries),
            "ours: queries on the offer tables": len(on_catalog),
            "ours: deployment transaction s": round(sum(timings), 3),
            "ours: changes": run.metrics.get("changes"),
        }

    def reset(self):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"TRUNCATE {OfferAudit._meta.db_table}, {CONTENT}, {OFFER}, {CATEGORY}, {SPACE} CASCADE"
            )
            for table in (SPACE, CATEGORY, OFFER, CONTENT):
                cursor.execute(f"INSERT INTO {table} SELECT * FROM {COPIES[table]}")
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(COPIES)}")

    def run_baseline(self):
        now = LAST_RUN + timedelta(hours=1)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in BASELINE:
                cursor.execute(statement, {"now": now})
        self.figures["baseline: statements"] = len(BASELINE)
        self.figures["baseline: transaction s"] = round(time.perf_counter() - started, 3)

    def result(self):
        with connection.cursor() as cursor:
            cursor.execute(RESULT)
            return dict(zip(RESULT_KEYS, (int(value) for value in cursor.fetchone()), strict=True))

    def teardown(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {', '.join(COPIES.values())}")
