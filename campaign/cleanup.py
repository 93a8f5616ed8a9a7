"""cleanup (Database cleanup): purge obsolete data per the retention settings, release
quarantined addresses, refresh table statistics. Adobe §6; quarantine rules §5.2.

The steps run in this fixed order; if one fails, the later ones do not run and the run
fails naming the step (Adobe: "if one task fails, the later tasks do not run"):

  1. deleted_deliveries  deliveries deleted longer ago than their retention, with their
                         delivery logs, tracking hits, offer propositions and tracking
                         URLs (children first, then the delivery rows)
  2. expired_deliveries  deliveries whose validity ended: pending delivery logs become
                         "cancelled", then the delivery becomes "finished"
  3. workflow_history    per workflow, journal lines and runs older than its
                         "history in days" (0 keeps them forever)
  4. raw_hits            raw tracking hits consolidated longer ago than their retention
  5. delivery_logs       delivery logs past their retention
  6. propositions        offer propositions past their retention (offers app only)
  7. events              Message Center events past their retention
  8. quarantine          addresses "with errors" back to valid (see QuarantineUpkeep)
  9. active_contacts     active contacts last active before the active-profile window
 10. sessions            expired Django sessions
 11. statistics          VACUUM (ANALYZE) / ANALYZE of the tables purged, per the setting

Tables that do not exist on this platform yet (tracking logs, consolidated tracking
statistics, import rejects, event statistics, archived events, forecast logs) have a
retention setting but no step. Celery task results are not stored by this project
(CELERY_TASK_IGNORE_RESULT, no result backend: the WorkflowRun ledger is the result
store), so there is no step for them either.

How to add a step (the issue that creates a table adds its purge here): one entry in
STEPS, at its place in the order. A table purged by age is one `Purge(...)` line:

    Purge(
        "forecast_logs", _("Forecast logs"), "forecasting.ForecastLog", "planned_at",
        retention="forecast_logs_days",          # a PurgeSettings field (days) ...
    ),
    Purge(
        "active_contacts", _("Active contacts outside the active-profile window"),
        "reporting.ActiveContact", "last_activity_at",
        cutoff=lambda purge, now: _active_window_start(now),   # ... or a cutoff of its own
    ),

A table with a foreign key to Delivery must also be listed in DELIVERY_CHILDREN, or the
purge of deleted deliveries would fail on it (a test checks that every such table is
listed). A model of an app that is not installed is skipped. Every step needs an index
on its time column: PostgreSQL batches walk that index.

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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.api import WorkflowError, one_line

from .choices import DeliveryState, FailureReason, LogStatus, QuarantineStatus, StatisticsMode
from .retention import MAILBOX_FULL_DAYS, QUARANTINE_QUIET_DAYS, cutoff

# --- How a batch is run -------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One batched statement over one table: delete the rows matching `where`, or set
    `values` on them. An update must take its rows out of `where` (the loop stops when a
    batch comes back short)."""

    model: type
    where: Q
    what: str
    values: dict | None = None
    keyset: str | None = None  # a time field whose index PostgreSQL batches walk in order

    @property
    def action(self):
        return "delete" if self.values is None else "update"

    @property
    def table(self):
        return self.model._meta.db_table


def _candidates(op, batch_size, since, blocks=None):
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

    purge: object
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


# --- Steps ------------------------------------------------------------------------


def _model(label):
    """The model named "app_label.Model", or None when its app is not installed."""
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _plural(model):
    return str(model._meta.verbose_name_plural)


@dataclass(frozen=True)
class Step:
    name: str
    label: str
    # True when the step changes rows rather than deleting them (metric rows_updated).
    updates = False

    def operations(self, purge, now):
        """The operations of this step, in order; None when it has nothing to do (and
        `idle_reason` says why)."""
        raise NotImplementedError

    def idle_reason(self, purge):
        return _("nothing to do")

    def run(self, job):
        """Returns ({what: rows}, a note for the journal)."""
        ops = self.operations(job.purge, job.now)
        if ops is None:
            return {}, str(self.idle_reason(job.purge))
        counts = {}
        for op in ops:
            counts[op.what] = counts.get(op.what, 0) + job.apply(op)
        return counts, ""


@dataclass(frozen=True)
class Child:
    """A table whose rows go with their parent's: `fk` is its field to the parent."""

    model: str
    fk: str


@dataclass(frozen=True)
class Purge(Step):
    """Delete the rows of `model` whose `time_field` is older than the cutoff: `now`
    minus the PurgeSettings field `retention` (days), or `cutoff(purge, now)`. `scope`
    narrows the rows; `children` are deleted first, by their key to these rows."""

    model: str = ""
    time_field: str = ""
    retention: str | None = None
    cutoff: object = None
    scope: Q | None = None
    children: tuple = ()

    def limit(self, purge, now):
        if self.cutoff is not None:
            return self.cutoff(purge, now)
        return cutoff(purge, self.retention, now)

    def idle_reason(self, purge):
        if _model(self.model) is None:
            return _("not installed")
        return _("kept forever (no retention set)")

    def operations(self, purge, now):
        model = _model(self.model)
        limit = self.limit(purge, now)
        if model is None or limit is None:
            return None
        where = Q(**{f"{self.time_field}__lt": limit}) & (self.scope or Q())
        ops = []
        parents = model._base_manager.filter(where).values("pk")
        for child in self.children:
            child_model = _model(child.model)
            if child_model is None:
                continue
            ops.append(Operation(child_model, Q(**{f"{child.fk}__in": parents}), _plural(child_model)))
        ops.append(Operation(model, where, _plural(model), keyset=self.time_field))
        return ops


@dataclass(frozen=True)
class ExpireDeliveries(Step):
    """Adobe §6 task 3: deliveries still pending or in progress whose validity ended.
    Their pending logs become cancelled (first, so a killed run is finished by the next
    one), then the delivery becomes finished."""

    updates = True

    def operations(self, purge, now):
        from .models import Delivery, DeliveryLog

        expired = Q(
            deleted=False,
            state__in=[DeliveryState.PENDING, DeliveryState.IN_PROGRESS],
            valid_until__lt=now,
        )
        deliveries = Delivery._base_manager.filter(expired).values("pk")
        return [
            Operation(
                DeliveryLog,
                Q(status=LogStatus.PENDING, delivery__in=deliveries),
                str(_("pending logs cancelled")),
                values={"status": LogStatus.CANCELLED},
            ),
            Operation(
                Delivery,
                expired,
                str(_("deliveries finished")),
                values={"state": DeliveryState.FINISHED, "updated_at": now},
            ),
        ]


@dataclass(frozen=True)
class WorkflowHistory(Step):
    """Adobe §6 task 7: per workflow, journal lines and finished runs older than its
    history in days. Queued and running runs are never deleted."""

    def operations(self, purge, now):
        from workflows.models import ACTIVE_STATUSES, Workflow, WorkflowLog, WorkflowRun

        ops = []
        # One pass per workflow (a dozen rows), each with the cutoff of its own history.
        histories = Workflow.objects.filter(history_days__gt=0).values_list("pk", "history_days")
        for workflow_id, days in histories:
            limit = now - timedelta(days=days)
            runs = Q(workflow_id=workflow_id, created_at__lt=limit) & ~Q(status__in=ACTIVE_STATUSES)
            old_runs = WorkflowRun._base_manager.filter(runs).values("pk")
            lines = Q(workflow_id=workflow_id) & (Q(created_at__lt=limit) | Q(run__in=old_runs))
            ops.append(Operation(WorkflowLog, lines, str(_("journal lines"))))
            ops.append(Operation(WorkflowRun, runs, str(_("workflow runs"))))
        return ops


@dataclass(frozen=True)
class QuarantineUpkeep(Step):
    """Adobe §5.2: an address "with errors" returns to valid (error count reset) after
    - a later success: its last_success_at is after its last_error_at (the delivery
      outcome processing stamps both; reading the delivery logs instead would need an
      index on their address, which the largest table does not have);
    - QUARANTINE_QUIET_DAYS without error, or MAILBOX_FULL_DAYS when the last error was
      "mailbox full".
    Addresses in quarantine or denylisted are never released automatically."""

    updates = True

    def operations(self, purge, now):
        from .models import Quarantine

        quiet = now - timedelta(days=QUARANTINE_QUIET_DAYS)
        mailbox_full = now - timedelta(days=MAILBOX_FULL_DAYS)
        full = Q(last_error_reason=FailureReason.MAILBOX_FULL)
        release = (
            Q(last_success_at__gt=F("last_error_at"))
            | (Q(last_error_at__lt=quiet) & ~full)
            | (Q(last_error_at__lt=mailbox_full) & full)
        )
        return [
            Operation(
                Quarantine,
                Q(status=QuarantineStatus.WITH_ERRORS) & release,
                str(_("addresses back to valid")),
                values={"status": QuarantineStatus.VALID, "error_count": 0, "updated_at": now},
            )
        ]


@dataclass(frozen=True)
class Statistics(Step):
    """Adobe §6 task 22 (XtkCleanup_NoStats): refresh the statistics of the tables this
    run purged. VACUUM (ANALYZE) marks the freed space reusable without locking the
    table; VACUUM FULL, which rewrites it under an exclusive lock, is never run."""

    def operations(self, purge, now):
        return []

    def run(self, job):
        mode = job.purge.statistics_mode
        tables = sorted(job.touched)
        if mode == StatisticsMode.NONE:
            return {}, str(_("disabled in the purge settings"))
        if not tables:
            return {}, str(_("nothing was purged"))
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
        return {}, f"{command} {', '.join(tables)}"


# Tables with a foreign key to Delivery: purged with their deleted delivery, before it.
DELIVERY_CHILDREN = (
    Child("campaign.DeliveryLog", "delivery"),
    Child("campaign.TrackingHit", "delivery"),
    Child("offers.Proposition", "delivery"),
    Child("campaign.TrackingUrl", "delivery"),  # after the hits, which point at their URL
)


def _active_window_start(now):
    """The active-profile window's start, as the reporting app computes it (its
    validated ACTIVE_PROFILE_WINDOW_MONTHS); contacts last active before it no longer
    count."""
    from reporting.activity import window_start
    from reporting.conf import reporting_settings

    return window_start(now, reporting_settings().window_months)


STEPS = (
    Purge(
        "deleted_deliveries",
        _("Deleted deliveries"),
        model="campaign.Delivery",
        time_field="deleted_at",
        retention="deleted_deliveries_days",
        scope=Q(deleted=True),
        children=DELIVERY_CHILDREN,
    ),
    ExpireDeliveries("expired_deliveries", _("Expired deliveries")),
    WorkflowHistory("workflow_history", _("Workflow history")),
    Purge(
        "raw_hits",
        _("Consolidated raw tracking hits"),
        model="campaign.TrackingHit",
        time_field="consolidated_at",
        retention="raw_hits_days",
    ),
    Purge(
        "delivery_logs",
        _("Delivery logs"),
        model="campaign.DeliveryLog",
        time_field="event_at",
        retention="delivery_logs_days",
    ),
    Purge(
        "propositions",
        _("Offer propositions"),
        model="offers.Proposition",
        time_field="proposed_at",
        retention="propositions_days",
    ),
    Purge(
        "events",
        _("Message Center events"),
        model="campaign.Event",
        time_field="created_at",
        retention="events_days",
    ),
    QuarantineUpkeep("quarantine", _("Quarantine upkeep")),
    Purge(
        "active_contacts",
        _("Active contacts outside the active-profile window"),
        model="reporting.ActiveContact",
        time_field="last_activity_at",
        cutoff=lambda purge, now: _active_window_start(now),
    ),
    Purge(
        "sessions",
        _("Expired sessions"),
        model="sessions.Session",
        time_field="expire_date",
        cutoff=lambda purge, now: now,
    ),
    Statistics("statistics", _("Statistics")),
)


def purged_fields():
    """The retention settings some step uses (the others have no table yet)."""
    return {step.retention for step in STEPS if isinstance(step, Purge) and step.retention}


# --- The run ----------------------------------------------------------------------


def run_steps(purge, now, *, log=print, metrics=None, only=None, batch_size=None):
    """Run the steps in order (or those named in `only`); returns the Job. Each step's
    rows and duration go to the journal and to `metrics`; the first step that fails
    stops the run with a WorkflowError naming it."""
    metrics = {} if metrics is None else metrics
    job = Job(purge=purge, now=now, batch_size=batch_size or purge.batch_size)
    steps = [step for step in STEPS if only is None or step.name in only]
    metrics.setdefault("rows_deleted", 0)
    metrics.setdefault("rows_updated", 0)
    for number, step in enumerate(steps, 1):
        started = time.perf_counter()
        try:
            counts, note = step.run(job)
        except Exception as exc:
            raise WorkflowError(
                f"Step {number}/{len(steps)} “{step.label}” ({step.name}) failed: {one_line(exc)}"
            ) from exc
        elapsed = time.perf_counter() - started
        rows = sum(counts.values())
        metrics[f"{step.name}_rows"] = rows
        metrics[f"{step.name}_seconds"] = round(elapsed, 3)
        metrics["rows_updated" if step.updates else "rows_deleted"] += rows
        detail = note or ", ".join(f"{what} {n:,}" for what, n in counts.items())
        verb = "changed" if step.updates else "deleted"
        line = f"Step {number}/{len(steps)} {step.label}: {rows:,} rows {verb} in {elapsed:.2f} s"
        log(line + (f" ({detail})" if detail else ""))
    metrics["batches"] = job.batches
    metrics["longest_batch_seconds"] = round(job.longest_batch, 3)
    return job


def run(ctx):
    """The workflow: read the purge settings, run every step with the run's `now`."""
    from .models import PurgeSettings

    purge = PurgeSettings.load()
    run_steps(purge, ctx.now, log=ctx.log, metrics=ctx.metrics)
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


def preview(purge, now):
    """What each step would delete or change now, counted, changing nothing. Operations
    of one step on one table (workflow history: one per workflow) are added up."""
    rows = {}
    for step in STEPS:
        ops = step.operations(purge, now)
        if ops is None:
            note = str(step.idle_reason(purge))
            rows[step.name] = PreviewRow(step.name, str(step.label), "", "", "", None, note=note)
            continue
        for op in ops:
            count = op.model._base_manager.filter(op.where).count()
            key = (step.name, op.what, op.table)
            blank = PreviewRow(step.name, str(step.label), op.what, op.table, op.action, 0)
            rows.setdefault(key, blank).rows += count
    for row in rows.values():
        if row.action == "delete" and row.rows:
            per_row = _bytes_per_row(row.table)
            row.bytes = int(row.rows * per_row) if per_row else None
    return list(rows.values())


def human_bytes(size):
    if size is None:
        return ""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024


def preview_text(now):
    """`run_workflow cleanup --dry-run`: the preview as lines of text."""
    from .models import PurgeSettings

    lines = [f"Dry run at {timezone.localtime(now):%Y-%m-%d %H:%M:%S %Z}: nothing is changed."]
    for row in preview(PurgeSettings.load(), now):
        if row.rows is None:
            lines.append(f"  {row.label}: {row.note}")
            continue
        verb = "delete" if row.action == "delete" else "change"
        space = f" (~{human_bytes(row.bytes)})" if row.bytes else ""
        lines.append(f"  {row.label}: would {verb} {row.rows:,} {row.what} [{row.table}]{space}")
    return "\n".join(lines)
