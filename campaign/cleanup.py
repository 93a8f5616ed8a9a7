"""cleanup (Database cleanup): the shared machinery that runs the purge steps every
installed app declares (`PurgeStep` in its contributions.py), in their order, then
refreshes table statistics (always last). Adobe §6.

If a step fails, the later ones do not run and the run fails naming the step (Adobe:
"if one task fails, the later tasks do not run"). The core's own steps (deleted and
expired deliveries, raw tracking hits, delivery logs, Message Center events, quarantine
upkeep, sessions) are in `campaign/purge_steps.py`; the engine brings workflow history,
offers its propositions, reporting its active contacts. A table with a foreign key to
Delivery is declared as a `DeliveryChild` by the app that owns it, and goes with its
deleted delivery (a test checks that every such table is declared).

How rows go: every delete or update is set-based SQL in batches of the configured size,
each batch in its own transaction (a killed run leaves no half-done batch; a rerun
finishes the job), never Django's Python-side cascade. On PostgreSQL a batch is
`DELETE … WHERE ctid = ANY(ARRAY(SELECT ctid … ORDER BY time LIMIT n))`: a tid scan,
with the next batch starting where the previous one stopped on the time index (an
`id IN (SELECT … LIMIT n)` makes PostgreSQL seq-scan the whole table for every batch,
and restarting the index scan at its beginning re-reads every dead entry each time).
When PostgreSQL's own plan for the whole delete is a sequential scan (a large share of
the table has expired: first run, lowered retention), the batches walk the heap instead,
in ranges of blocks holding about `batch_size` rows (`ctid >= '(b,0)' AND ctid <
'(b+k,0)'`): one pass like the one-statement DELETE, short transactions. A row moved by
a concurrent update to a block already passed is purged by the next run.
On SQLite a batch is `DELETE … WHERE id IN (SELECT id … LIMIT n)`.

Measured (`manage.py benchmark cleanup`, 5 M expired logs of 10 M on PostgreSQL 15):
1.15 × one hand-written DELETE, 68 MB peak, longest transaction 0.17 s.
"""

import time
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.api import WorkflowError, one_line
from workflows.plugins import BatchOperation, PurgeStep, purge_steps

from .choices import StatisticsMode
from .models import CleanupPreview, PurgeSettings
from .retention import Retention

STATISTICS = "statistics"

# --- How a batch is run -------------------------------------------------------------


def _candidates(op: BatchOperation, batch_size, since, blocks=None):
    """SQL and params selecting one batch: ctids on PostgreSQL, primary keys elsewhere.
    With `blocks` (first, last + 1), the rows of that range of heap blocks, unlimited."""
    qs = op.model._base_manager.filter(op.where)
    if blocks is not None:
        tid = f"{connection.ops.quote_name(op.table)}.ctid"
        in_range = RawSQL(
            f"{tid} >= %s::tid AND {tid} < %s::tid",
            (f"({blocks[0]},0)", f"({blocks[1]},0)"),
            output_field=models.BooleanField(),
        )
        qs = qs.filter(in_range).order_by().values_list(RawSQL(tid, (), output_field=models.TextField()))
        return qs.query.sql_with_params()
    if connection.vendor == "postgresql":
        if op.keyset:
            if since is not None:
                qs = qs.filter(**{f"{op.keyset}__gte": since})
            qs = qs.order_by(op.keyset)
        else:
            qs = qs.order_by()
        tid = RawSQL(f"{connection.ops.quote_name(op.table)}.ctid", (), output_field=models.TextField())
        qs = qs.values_list(tid)
    else:
        qs = qs.order_by().values_list("pk")
    return qs[:batch_size].query.sql_with_params()


def _set_clause(op):
    parts, params = [], []
    for name, value in op.values.items():
        model_field = op.model._meta.get_field(name)
        parts.append(f"{connection.ops.quote_name(model_field.column)} = %s")
        params.append(model_field.get_db_prep_save(value, connection))
    return ", ".join(parts), params


def _one_batch(op, batch_size, since, blocks=None):
    """Run one batch; returns (rows, the largest keyset value seen or None)."""
    qn = connection.ops.quote_name
    inner, inner_params = _candidates(op, batch_size, since, blocks)
    if op.values is None:
        head, params = f"DELETE FROM {qn(op.table)}", []
    else:
        set_sql, params = _set_clause(op)
        head = f"UPDATE {qn(op.table)} SET {set_sql}"
    if connection.vendor == "postgresql":
        where = f"WHERE ctid = ANY(ARRAY({inner}))"
    else:
        where = f"WHERE {qn(op.model._meta.pk.column)} IN ({inner})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and op.keyset and blocks is None:
            column = qn(op.model._meta.get_field(op.keyset).column)
            sql = f"WITH batch AS ({head} {where} RETURNING {column}) "
            sql += f"SELECT count(*), max({column}) FROM batch"
            cursor.execute(sql, [*params, *inner_params])
            return cursor.fetchone()
        cursor.execute(f"{head} {where}", [*params, *inner_params])
        return cursor.rowcount, None


def _whole_table_plan(op):
    """True when PostgreSQL would run this delete as one sequential scan of the whole
    table (a large share of it matches): its batches then walk the heap in block ranges
    rather than the time index, whose random reads would cost twice the scan."""
    if connection.vendor != "postgresql" or not op.keyset or op.values is not None:
        return False
    sql, params = op.model._base_manager.filter(op.where).order_by().values_list("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = plan[0]["Plan"] if isinstance(plan, list) else plan

    def scans(node):
        yield node
        for child in node.get("Plans", ()):
            yield from scans(child)

    return any(n.get("Relation Name") == op.table and n["Node Type"] == "Seq Scan" for n in scans(plan))


@dataclass
class Job:
    """One cleanup run's state: settings, `now`, the batch size and what it touched."""

    now: datetime
    batch_size: int
    touched: set = field(default_factory=set)
    longest_batch: float = 0.0
    batches: int = 0
    strategies: dict = field(default_factory=dict)

    def apply(self, op):
        """Run `op` in batches until a batch comes back short; returns the rows."""
        if _whole_table_plan(op):
            return self._apply_by_blocks(op)
        total, since = 0, None
        while True:
            rows, last = self._batch(op, since=since)
            total += rows
            if rows < self.batch_size:
                return total
            since = last  # None unless PostgreSQL walks the keyset

    def _batch(self, op, **where):
        started = time.perf_counter()
        with transaction.atomic():
            rows, last = _one_batch(op, self.batch_size, **where)
        self.longest_batch = max(self.longest_batch, time.perf_counter() - started)
        self.batches += 1
        if rows:
            self.touched.add(op.table)
        return rows, last

    def _apply_by_blocks(self, op):
        """Walk the heap once, in ranges of blocks holding about `batch_size` rows each:
        a batch scans its range like PostgreSQL's own one-statement DELETE would scan the
        whole table, and its time stays bounded by the range, not by how many rows match.
        Rows added meanwhile land after the last block read: they are new, not expired."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_relation_size(c.oid) / current_setting('block_size')::int, c.reltuples, "
                "c.relpages FROM pg_class c WHERE c.oid = %s::regclass",
                [connection.ops.quote_name(op.table)],
            )
            blocks, tuples, pages = cursor.fetchone()
        per_block = tuples / pages if pages and tuples and tuples > 0 else 100
        step = max(1, int(self.batch_size / max(per_block, 1)))
        self.strategies[op.table] = f"block ranges of {step}"
        total = 0
        for first in range(0, blocks, step):
            rows, _ = self._batch(op, since=None, blocks=(first, first + step))
            total += rows
        return total


# --- The run ----------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeRun:
    """The context a purge step gets (workflows.plugins.PurgeContext)."""

    now: datetime
    retention: Retention

    def retention_days(self, data_class):
        return self.retention.days(data_class)

    def cutoff(self, data_class):
        return self.retention.cutoff(data_class, self.now)


def steps():
    """The declared purge steps in order, then statistics."""
    return [*purge_steps(), PurgeStep(STATISTICS, 10**9, _("Statistics"), operations=lambda context: [])]


def purged_data_classes():
    """The data classes some step purges (the others have no table here yet)."""
    return {step.retention for step in purge_steps() if step.retention}


def refresh_statistics(job, mode):
    """Adobe §6 task 22 (XtkCleanup_NoStats): refresh the statistics of the tables this
    run purged. VACUUM (ANALYZE) marks the freed space reusable without locking the
    table; VACUUM FULL, which rewrites it under an exclusive lock, is never run."""
    tables = sorted(job.touched)
    if mode == StatisticsMode.NONE:
        return str(_("disabled in the purge settings"))
    if not tables:
        return str(_("nothing was purged"))
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VACUUM cannot run inside a transaction: a caller holding one gets ANALYZE.
            command = "ANALYZE"
            if mode == StatisticsMode.VACUUM_ANALYZE and not connection.in_atomic_block:
                command = "VACUUM (ANALYZE)"
            cursor.execute(f"{command} {', '.join(qn(t) for t in tables)}")
        else:
            command = "ANALYZE"
            for table in tables:
                cursor.execute(f"ANALYZE {qn(table)}")
    return f"{command} {', '.join(tables)}"


def run_step(step, job, context, statistics_mode):
    """Returns ({what: rows}, a note for the journal)."""
    if step.key == STATISTICS:
        return {}, refresh_statistics(job, statistics_mode)
    operations = step.operations(context)
    if operations is None:
        return {}, str(step.idle_reason)
    counts = {}
    for operation in operations:
        counts[operation.what] = counts.get(operation.what, 0) + job.apply(operation)
    return counts, ""


def run_steps(now, *, log=print, metrics=None, only=None, batch_size=None):
    """Run the steps in order (or those named in `only`); returns the Job. Each step's
    rows and duration go to the journal and to `metrics`; the first step that fails
    stops the run with a WorkflowError naming it."""
    purge = PurgeSettings.load()
    context = PurgeRun(now, Retention.load())
    metrics = {} if metrics is None else metrics
    job = Job(now=now, batch_size=batch_size or purge.batch_size)
    chosen = [step for step in steps() if only is None or step.key in only]
    metrics.setdefault("rows_deleted", 0)
    metrics.setdefault("rows_updated", 0)
    for number, step in enumerate(chosen, 1):
        started = time.perf_counter()
        try:
            counts, note = run_step(step, job, context, purge.statistics_mode)
        except Exception as exc:
            raise WorkflowError(
                f"Step {number}/{len(chosen)} “{step.label}” ({step.key}) failed: {one_line(exc)}"
            ) from exc
        elapsed = time.perf_counter() - started
        rows = sum(counts.values())
        metrics[f"{step.key}_rows"] = rows
        metrics[f"{step.key}_seconds"] = round(elapsed, 3)
        metrics["rows_updated" if step.updates else "rows_deleted"] += rows
        detail = note or ", ".join(f"{what} {n:,}" for what, n in counts.items())
        verb = "changed" if step.updates else "deleted"
        line = f"Step {number}/{len(chosen)} {step.label}: {rows:,} rows {verb} in {elapsed:.2f} s"
        log(line + (f" ({detail})" if detail else ""))
    metrics["batches"] = job.batches
    metrics["longest_batch_seconds"] = round(job.longest_batch, 3)
    return job


def run(ctx):
    """The workflow: every step with the run's `now`."""
    run_steps(ctx.now, log=ctx.log, metrics=ctx.metrics)
    return ctx.metrics


# --- Dry run ------------------------------------------------------------------------


@dataclass
class PreviewRow:
    step: str
    label: str
    what: str
    table: str
    action: str
    rows: int | None
    bytes: int | None = None
    note: str = ""


def _bytes_per_row(table):
    """PostgreSQL's size of a table with its indexes and TOAST, per live row (from the
    planner's row estimate); None elsewhere or before the table was ever analysed."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size(c.oid), c.reltuples FROM pg_class c WHERE c.oid = %s::regclass",
            [connection.ops.quote_name(table)],
        )
        size, tuples = cursor.fetchone()
    return size / tuples if tuples and tuples > 0 else None


def preview(now):
    """What each step would delete or change now, counted, changing nothing. Operations
    of one step on one table (workflow history: one per workflow) are added up."""
    context = PurgeRun(now, Retention.load())
    rows = {}
    for step in purge_steps():
        operations = step.operations(context)
        if operations is None:
            rows[step.key] = PreviewRow(
                step.key, str(step.label), "", "", "", None, note=str(step.idle_reason)
            )
            continue
        for operation in operations:
            count = operation.model._base_manager.filter(operation.where).count()
            key = (step.key, operation.what, operation.table)
            blank = PreviewRow(
                step.key, str(step.label), operation.what, operation.table, operation.action, 0
            )
            rows.setdefault(key, blank).rows += count
    for row in rows.values():
        if row.action == "delete" and row.rows:
            per_row = _bytes_per_row(row.table)
            row.bytes = int(row.rows * per_row) if per_row else None
    return list(rows.values())


KEPT_PREVIEWS = 10


def store_preview(rows, now, user=None):
    """Keep a dry run to show it later with its time; the oldest beyond ten go."""
    kept = CleanupPreview.objects.create(
        computed_at=now,
        computed_by=user,
        rows=[asdict(row) for row in rows],
        rows_to_delete=sum(row.rows or 0 for row in rows if row.action == "delete"),
    )
    newest_first = CleanupPreview.objects.order_by("-computed_at", "-id").values_list("pk", flat=True)
    CleanupPreview.objects.filter(pk__in=list(newest_first[KEPT_PREVIEWS:])).delete()
    return kept


def human_bytes(size):
    if size is None:
        return ""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024


def preview_text(now):
    """`run_workflow cleanup --dry-run`: the preview as lines of text."""
    lines = [f"Dry run at {timezone.localtime(now):%Y-%m-%d %H:%M:%S %Z}: nothing is changed."]
    for row in preview(now):
        if row.rows is None:
            lines.append(f"  {row.label}: {row.note}")
            continue
        verb = "delete" if row.action == "delete" else "change"
        space = f" (~{human_bytes(row.bytes)})" if row.bytes else ""
        lines.append(f"  {row.label}: would {verb} {row.rows:,} {row.what} [{row.table}]{space}")
    return "\n".join(lines)
