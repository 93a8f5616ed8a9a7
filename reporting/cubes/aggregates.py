"""Full aggregates: rebuild a cube's aggregate from its facts (the logic of
agg_nmspropositionrcp_full and agg_messageCenter_full).

One transaction: DELETE the aggregate's rows, INSERT … SELECT … GROUP BY over every
fact (the SELECT written by the ORM from the cube's declaration, queries.fill_select),
then each summary from the aggregate (INSERT … SELECT … GROUP BY over its rows), and
record the build (when, from how many facts, how many rows, which run). Readers
keep seeing the previous aggregate until the commit (a DELETE, unlike TRUNCATE, does
not lock them out on PostgreSQL); a failure anywhere rolls everything back, so the
previous aggregate and its build record stay in place. Then ANALYZE, so the reports'
plans know the new rows. `now` (the run's) is the build time; the database's clock is
never read.
"""

import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Sum

from workflows.plugins import Cube, cubes

from . import queries
from .models import AggregateBuild


def cube_by_key(key) -> Cube:
    """A declared cube (LookupError when no installed app declares it)."""
    for cube in cubes():
        if cube.key == key:
            return cube
    raise LookupError(f"no installed app declares the cube {key!r}")


@dataclass(frozen=True)
class Rebuilt:
    build: AggregateBuild
    seconds: float
    summary_rows: dict


def _insert(cube, target, select):
    """(sql, params): INSERT INTO the target's table the rows of (select, params), which
    come in the order of queries.target_columns."""
    model, (sql, params) = target.model_class, select
    qn = connection.ops.quote_name
    names = queries.target_columns(cube, target)
    columns = ", ".join(qn(model._meta.get_field(name).column) for name in names)
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) {sql}", params


def fill_sql(cube: Cube):
    """(sql, params): the INSERT … SELECT that fills the Full aggregate from the facts."""
    return _insert(cube, queries.full_target(cube), queries.fill_select(cube, connection))


def summary_sql(cube: Cube, target):
    """(sql, params): the INSERT … SELECT that fills a summary from the Full aggregate."""
    return _insert(cube, target, queries.summary_select(cube, target, connection))


def rebuild(cube: Cube, now, run=None) -> Rebuilt:
    """Replace the aggregate's rows (and its summaries') by a full rebuild from the
    facts, in one transaction."""
    model = queries.aggregate_model(cube)
    summaries = queries.summary_targets(cube)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in (model, *(summary.model_class for summary in summaries)):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table._meta.db_table)}")
        cursor.execute(*fill_sql(cube))
        rows = max(cursor.rowcount, 0)
        summary_rows = {}
        for summary in summaries:
            cursor.execute(*summary_sql(cube, summary))
            summary_rows[summary.model] = max(cursor.rowcount, 0)
        # Every table adds up to the same fact count: read it from the smallest.
        sizes = {model: rows, **{summary.model_class: summary_rows[summary.model] for summary in summaries}}
        smallest = min(sizes, key=sizes.__getitem__)
        facts = smallest._base_manager.aggregate(total=Sum(cube.counter.key))["total"] or 0
        build = AggregateBuild.objects.create(
            cube=cube.key,
            built_at=now,
            facts=facts,
            rows=rows,
            seconds=round(time.perf_counter() - started, 3),
            run=run,
        )
    analyze(model)
    for summary in summaries:
        analyze(summary.model_class, vacuum=True)
    return Rebuilt(build, time.perf_counter() - started, summary_rows)


def analyze(model, vacuum=False):
    """Fresh planner statistics for a rebuilt table (after the commit). A summary is also
    vacuumed on PostgreSQL: it is small, and the reports' index-only scans need its
    visibility map (VACUUM cannot run inside a transaction: a caller holding one gets
    ANALYZE only)."""
    table = connection.ops.quote_name(model._meta.db_table)
    command = "ANALYZE"
    if vacuum and connection.vendor == "postgresql" and not connection.in_atomic_block:
        command = "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {table}")


def run(ctx, cube_key):
    """A workflow run: rebuild one cube's aggregate; journal and metrics."""
    cube = cube_by_key(cube_key)
    rebuilt = rebuild(cube, ctx.now, run=ctx.run)
    build = rebuilt.build
    summaries = "".join(f", {label} {rows:,} rows" for label, rows in rebuilt.summary_rows.items())
    ctx.log(
        f"{cube.key}: aggregate rebuilt from {build.facts:,} facts into {build.rows:,} rows "
        f"in {rebuilt.seconds:.2f} s{summaries}"
    )
    ctx.metrics.update({"facts_read": build.facts, "rows_written": build.rows, "build": build.pk})
    if rebuilt.summary_rows:
        ctx.metrics["summary_rows"] = sum(rebuilt.summary_rows.values())
    return ctx.metrics
