"""aliasCleansing (Alias cleansing, daily 03:00): standardise the values of the fields
enumerations govern. Adobe §4.

For each enumeration with alias cleansing on, in one transaction (a failed run leaves
the previous state in place), field by field:

1. Census and collection: the field's spellings are counted by match key (the text,
   or LOWER(TRIM(text)) when the enumeration ignores case and spaces); a spelling that
   is neither a value nor an alias joins the alias list without a target (an upsert on
   the alias's unique key), and every alias found gets `rows_found` (summed over the
   enumeration's fields). Rows holding a value's exact spelling, the bulk of a field,
   are set aside first by a hashed NOT IN: they need neither a key nor a rewrite.
2. Rewrite: every row holding an alias with a target (or, when the enumeration ignores
   case, a variant of a value's own spelling) gets the value, and the audit records
   which row changed from what (RewrittenRow); then how many rows changed per alias
   (AliasRewrite). On PostgreSQL census, rewrite and audit are one statement over one
   read of the field (a data-modifying CTE that updates by ctid, so a row changed by
   someone else meanwhile is left alone and not audited); on SQLite, whose writers are
   serialised, the census, the audit rows and the update that reads them are three.
3. Hits, one statement per enumeration. Incremental (the daily run): an alias gains the
   rows found holding it beyond those it already counted (`rows_pending`, the rows that
   still held it after the last run). Full (`run_workflow aliasCleansing --option
   full-hits`): hits are recounted from the database, i.e. the rows holding it now plus
   the rows rewritten through it by the runs whose audit is still kept (less those a
   revert restored).

A second run finds nothing to rewrite and changes no hit: every step is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from campaign.models import Enumeration, EnumerationAlias, EnumerationValue

from .choices import HitsMode
from .fields import MAX_SPELLING, CleansedField, Skipped, cleansed_fields
from .models import AliasRewrite, CleansingRun, RewrittenRow

ALIASES = EnumerationAlias._meta.db_table
VALUES = EnumerationValue._meta.db_table
ROWS = RewrittenRow._meta.db_table
REWRITES = AliasRewrite._meta.db_table


def _db(moment: datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _execute(sql: str, params: dict | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _scalar(sql: str, params: dict | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# --- 1. Census and collection ------------------------------------------------------------


def _spelled(column: str) -> str:
    """Rows holding a spelling: not blank, and short enough to be an alias."""
    return f"{column} IS NOT NULL AND TRIM({column}) <> '' AND LENGTH({column}) <= {MAX_SPELLING}"


def _not_a_value(column: str) -> str:
    """Rows not holding a value's exact spelling, the bulk of a cleansed field: a cheap
    hashed test that spares them the match key (and they never need a rewrite)."""
    return f"{column} NOT IN (SELECT x.value FROM {VALUES} x WHERE x.enumeration_id = %(enumeration)s)"


def _census_insert(spelling: str, source: str) -> str:
    """The census of the rows of `source` (columns match_key, spelling): the unknown
    keys join the aliases without a target, the aliases found get their rows counted."""
    return f"""
        INSERT INTO {ALIASES} (enumeration_id, alias, match_key, value_id, hits, rows_found,
                               rows_pending, last_seen_at, source, created_at)
        SELECT %(enumeration)s, MIN({spelling}), match_key, NULL, 0, COUNT(*), 0, %(now)s,
               'cleansing', %(now)s
        FROM {source}
        WHERE match_key NOT IN (SELECT v.match_key FROM {VALUES} v WHERE v.enumeration_id = %(enumeration)s)
        GROUP BY match_key
        ON CONFLICT (enumeration_id, match_key) DO UPDATE SET
            rows_found = CASE WHEN {ALIASES}.last_seen_at = excluded.last_seen_at
                              THEN {ALIASES}.rows_found + excluded.rows_found
                              ELSE excluded.rows_found END,
            last_seen_at = excluded.last_seen_at
    """


def census_sql(target: CleansedField) -> str:
    """Count the field's spellings by key (SQLite: its own statement)."""
    column = f"t.{target.column}"
    spelling = "TRIM(spelling)" if target.enumeration.ignore_case else "spelling"
    found = f"""(
            SELECT {target.spelling_key(column)} AS match_key, {column} AS spelling
            FROM {target.table} t
            WHERE {_not_a_value(column)} AND {_spelled(column)}
        ) found"""
    return _census_insert(spelling, found)


# --- 2. Rewrite --------------------------------------------------------------------------


def mapping_sql(enumeration: Enumeration) -> str:
    """(match_key, target, alias_id) of every spelling that is rewritten: aliases with a
    target and, when the enumeration ignores case, the values themselves (their variants
    get the value's exact spelling)."""
    aliases = f"""
        SELECT a.match_key, v.value AS target, a.id AS alias_id
        FROM {ALIASES} a JOIN {VALUES} v ON v.id = a.value_id
        WHERE a.enumeration_id = %(enumeration)s AND v.enumeration_id = %(enumeration)s
    """
    if not enumeration.ignore_case:
        return aliases
    return f"""
        SELECT v.match_key, v.value AS target, CAST(NULL AS BIGINT) AS alias_id
        FROM {VALUES} v WHERE v.enumeration_id = %(enumeration)s
        UNION ALL
        {aliases}
          AND a.match_key NOT IN (SELECT w.match_key FROM {VALUES} w WHERE w.enumeration_id = %(enumeration)s)
    """


def cleanse_sql_postgresql(target: CleansedField) -> str:
    """Census, collection, rewrite and audit of one field in one statement, over one read
    of the field: `found` holds the rows not holding a value's exact spelling (a small
    share), the census upserts their keys into the aliases, and the rows whose key has a
    target are updated by ctid (a tid scan of just those rows) with their audit."""
    column = f"t.{target.column}"
    spelling = "TRIM(spelling)" if target.enumeration.ignore_case else "spelling"
    return f"""
        WITH found AS MATERIALIZED (
            SELECT t.ctid AS tid, t.{target.pk} AS row_id, {column} AS spelling,
                   {target.spelling_key(column)} AS match_key
            FROM {target.table} t
            WHERE {_not_a_value(column)} AND {_spelled(column)}
        ),
        census AS (
            {_census_insert(spelling, "found")}
            RETURNING 1
        ),
        mapping AS MATERIALIZED ({mapping_sql(target.enumeration)}),
        candidates AS MATERIALIZED (
            SELECT f.tid, f.row_id, f.spelling AS old_value, m.target, m.alias_id
            FROM found f JOIN mapping m ON f.match_key = m.match_key
            WHERE f.spelling <> m.target
        ),
        changed AS (
            UPDATE {target.table} t SET {target.column} = c.target
            FROM candidates c
            WHERE t.ctid = ANY(ARRAY(SELECT tid FROM candidates))
              AND t.ctid = c.tid AND {column} = c.old_value
            RETURNING c.row_id, c.old_value, c.target, c.alias_id
        )
        INSERT INTO {ROWS} (run_id, binding, row_id, old_value, new_value, alias_id)
        SELECT %(run)s, %(binding)s, row_id, old_value, target, alias_id FROM changed
    """


def audit_sql_sqlite(target: CleansedField) -> str:
    column = f"t.{target.column}"
    return f"""
        INSERT INTO {ROWS} (run_id, binding, row_id, old_value, new_value, alias_id)
        SELECT %(run)s, %(binding)s, t.{target.pk}, {column}, m.target, m.alias_id
        FROM {target.table} t JOIN ({mapping_sql(target.enumeration)}) m
             ON {target.spelling_key(column)} = m.match_key
        WHERE {_not_a_value(column)} AND {column} <> m.target
    """


def update_sql_sqlite(target: CleansedField) -> str:
    return f"""
        UPDATE {target.table} SET {target.column} = ch.new_value
        FROM {ROWS} ch
        WHERE ch.run_id = %(run)s AND ch.binding = %(binding)s AND {target.table}.{target.pk} = ch.row_id
    """


def summary_sql(target: CleansedField) -> str:
    """How many rows the run rewrote per alias (and per value, for case variants)."""
    return f"""
        INSERT INTO {REWRITES} (run_id, binding, field, enumeration_id, alias_id, matched, target,
                                rows_rewritten, rows_restored)
        SELECT %(run)s, %(binding)s, %(field)s, %(enumeration)s, alias_id,
               MIN({target.spelling_key("old_value")}), new_value, COUNT(*), 0
        FROM {ROWS}
        WHERE run_id = %(run)s AND binding = %(binding)s
        GROUP BY alias_id, new_value
    """


def cleanse_field(target: CleansedField, run: CleansingRun, now: datetime) -> tuple[int, int]:
    """Collect and rewrite one field with its audit; returns (spellings collected, rows
    rewritten)."""
    params = {
        "run": run.pk,
        "binding": target.key,
        "field": target.label,
        "enumeration": target.enumeration.pk,
        "now": _db(now),
    }
    aliases = target.enumeration.aliases
    before = aliases.count()
    if connection.vendor == "postgresql":
        changed = _execute(cleanse_sql_postgresql(target), params)
    else:
        _execute(census_sql(target), params)
        changed = _execute(audit_sql_sqlite(target), params)
        if changed:
            _execute(update_sql_sqlite(target), params)
    if changed:
        _execute(summary_sql(target), params)
    return aliases.count() - before, changed


# --- 3. Hits ------------------------------------------------------------------------------

HITS_GAINED = "CASE WHEN rows_found > rows_pending THEN rows_found - rows_pending ELSE 0 END"
PENDING_AFTER = "CASE WHEN value_id IS NULL THEN rows_found ELSE 0 END"


def update_hits_incrementally(enumeration: Enumeration, now: datetime) -> int:
    """Hits gain the rows found beyond those already counted; returns the aliases whose
    hits changed. Aliases not found this run hold no row any more."""
    params = {"enumeration": enumeration.pk, "now": _db(now)}
    seen = "enumeration_id = %(enumeration)s AND last_seen_at = %(now)s"
    updated = _scalar(f"SELECT COUNT(*) FROM {ALIASES} WHERE {seen} AND rows_found > rows_pending", params)
    _execute(
        f"UPDATE {ALIASES} SET hits = hits + {HITS_GAINED}, rows_pending = {PENDING_AFTER} WHERE {seen}",
        params,
    )
    _execute(
        f"""UPDATE {ALIASES} SET rows_found = 0, rows_pending = 0
            WHERE enumeration_id = %(enumeration)s AND (last_seen_at IS NULL OR last_seen_at <> %(now)s)
              AND (rows_found > 0 OR rows_pending > 0)""",
        params,
    )
    return updated


def update_hits_in_full(enumeration: Enumeration, now: datetime) -> int:
    """Hits recounted: rows holding the alias now, plus rows rewritten through it by the
    runs whose audit is kept, less those restored by a revert."""
    params = {"enumeration": enumeration.pk, "now": _db(now)}
    found_now = "CASE WHEN last_seen_at = %(now)s THEN rows_found ELSE 0 END"
    pending = "CASE WHEN last_seen_at = %(now)s AND value_id IS NULL THEN rows_found ELSE 0 END"
    rewritten = f"""COALESCE((SELECT SUM(r.rows_rewritten - r.rows_restored) FROM {REWRITES} r
                              WHERE r.alias_id = {ALIASES}.id), 0)"""
    recount = f"({pending}) + {rewritten}"
    updated = _scalar(
        f"SELECT COUNT(*) FROM {ALIASES} WHERE enumeration_id = %(enumeration)s AND hits <> {recount}", params
    )
    _execute(
        f"""UPDATE {ALIASES} SET hits = {recount}, rows_pending = {pending}, rows_found = {found_now}
            WHERE enumeration_id = %(enumeration)s""",
        params,
    )
    return updated


# --- The run ------------------------------------------------------------------------------


@dataclass
class FieldFigures:
    binding: str
    field: str
    enumeration: str
    collected: int = 0
    rewritten: int = 0
    hits_updated: int = 0  # of the enumeration (the fields of one enumeration share its aliases)

    def as_dict(self):
        return {
            "binding": self.binding,
            "field": self.field,
            "enumeration": self.enumeration,
            "collected": self.collected,
            "rewritten": self.rewritten,
            "hits_updated": self.hits_updated,
        }


@dataclass
class Cleansing:
    run: CleansingRun
    fields: list[FieldFigures] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def collected(self) -> int:
        return sum(figures.collected for figures in self.fields)

    @property
    def rewritten(self) -> int:
        return sum(figures.rewritten for figures in self.fields)


def _cleanse_enumeration(enumeration, targets, run, now, full_hits, log) -> tuple[list[FieldFigures], int]:
    figures = [FieldFigures(t.key, t.label, enumeration.name) for t in targets]
    for target, row in zip(targets, figures, strict=True):
        row.collected, row.rewritten = cleanse_field(target, run, now)
    hits = update_hits_in_full(enumeration, now) if full_hits else update_hits_incrementally(enumeration, now)
    for row in figures:
        row.hits_updated = hits
        log(
            f"{row.field} (enumeration {enumeration.name}): {row.collected} values collected, "
            f"{row.rewritten} rows rewritten, hits updated for {hits} aliases"
            + (f" (shared by the {len(figures)} fields of the enumeration)" if len(figures) > 1 else "")
        )
    return figures, hits


def cleanse(
    now: datetime,
    *,
    full_hits: bool = False,
    workflow_run=None,
    log: Callable[[str], None] = lambda line: None,
) -> Cleansing:
    """One cleansing of every enumeration with alias cleansing on (one transaction)."""
    plan, skipped = cleansed_fields()
    for item in skipped:
        log(f"Skipped {item.label}: {item.reason}")
    with transaction.atomic():
        run = CleansingRun.objects.create(
            ran_at=now,
            workflow_run=workflow_run,
            hits_mode=HitsMode.FULL if full_hits else HitsMode.INCREMENTAL,
        )
        result = Cleansing(run, skipped=skipped)
        hits_updated = 0
        for enumeration, targets in plan:
            figures, hits = _cleanse_enumeration(enumeration, targets, run, now, full_hits, log)
            result.fields.extend(figures)
            hits_updated += hits
        run.values_collected = result.collected
        run.rows_rewritten = result.rewritten
        run.hits_updated = hits_updated
        run.fields = [figures.as_dict() for figures in result.fields]
        run.save(update_fields=["values_collected", "rows_rewritten", "hits_updated", "fields"])
    if not plan:
        log("No enumeration with alias cleansing on is bound to an installed field: nothing to do")
    return result


def run(ctx, *, full_hits: bool) -> dict:
    """The aliasCleansing run (the workflow's task calls this)."""
    ctx.log(f"Hits: {'recounted in full' if full_hits else 'incremental since the last run'}")
    result = cleanse(ctx.now, full_hits=full_hits, workflow_run=ctx.run, log=ctx.log)
    ctx.log(
        f"Cleansing run #{result.run.pk}: {result.collected} values collected, "
        f"{result.rewritten} rows rewritten, hits updated for {result.run.hits_updated} aliases"
    )
    return {
        "cleansing_run": result.run.pk,
        "fields": len(result.fields),
        "values_collected": result.collected,
        "rows_rewritten": result.rewritten,
        "hits_updated": result.run.hits_updated,
        "full_hits": int(full_hits),
    }


# --- What a run would do now (run_workflow --dry-run, the screen) ---------------------------


@dataclass
class Pending:
    field: str
    enumeration: str
    rows_to_rewrite: int
    unknown_spellings: int


def pending(now: datetime | None = None) -> tuple[list[Pending], list[Skipped]]:
    """Per field: rows a run would rewrite now and spellings it would collect (read only)."""
    plan, skipped = cleansed_fields()
    found = []
    for enumeration, targets in plan:
        params = {"enumeration": enumeration.pk}
        for target in targets:
            column = f"t.{target.column}"
            key = target.spelling_key(column)
            rows = _scalar(
                f"""SELECT COUNT(*) FROM {target.table} t JOIN ({mapping_sql(enumeration)}) m
                    ON {key} = m.match_key WHERE {column} <> m.target""",
                params,
            )
            unknown = _scalar(
                f"""SELECT COUNT(DISTINCT {key}) FROM {target.table} t
                    WHERE {_spelled(column)}
                      AND {key} NOT IN (SELECT v.match_key FROM {VALUES} v
                                        WHERE v.enumeration_id = %(enumeration)s)
                      AND {key} NOT IN (SELECT a.match_key FROM {ALIASES} a
                                        WHERE a.enumeration_id = %(enumeration)s)""",
                params,
            )
            found.append(Pending(target.label, enumeration.name, rows, unknown))
    return found, skipped


def preview(now: datetime) -> str:
    """What a run would do now, in words (run_workflow aliasCleansing --dry-run)."""
    found, skipped = pending(now)
    lines = [
        f"{item.field} (enumeration {item.enumeration}): {item.rows_to_rewrite} rows to rewrite, "
        f"{item.unknown_spellings} new spellings to collect"
        for item in found
    ]
    lines += [f"Skipped {item.label}: {item.reason}" for item in skipped]
    return "\n".join(lines) or "No enumeration with alias cleansing on is bound to an installed field."
