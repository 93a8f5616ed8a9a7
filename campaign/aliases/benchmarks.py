"""Benchmark `aliasCleansing`: a nightly cleansing of two bound fields against one
hand-written UPDATE with a CASE mapping per field, the baseline writing the same audit.

Data (campaign.devtools.benchmarking.generate_data): 1 million recipients ("full"), or
the "tiny" preset's, whose country and company type hold what `generate_data` gives a
platform (campaign/aliases/datagen.py): 30 aliased spellings (15 per field) in about 3 %
of the rows each, case and spacing variants of countries, spellings nobody recognises.

Ours is `cleansing.cleanse` in a child process: census and collection, the rewrite with
its audit (which rows changed from what, how many per alias), incremental hits. The
baseline, per field, in one transaction: the audit rows written by an INSERT … SELECT
with the same CASE, one UPDATE … SET field = CASE … WHERE field IN (…), and the
per-alias counts; its CASE lists the spellings found in this data set (exact text,
since a hand-written statement knows them). Both start from the same physical table:
`reset()` reloads the recipients from a copy taken in `prepare()` (and the aliases as
they were), then VACUUM (ANALYZE); `teardown()` drops the copies. Both must leave the
same recipients, the same audit rows and the same counts per alias.
"""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction

from campaign.devtools.benchmarking import Benchmark, generate_data, register
from campaign.models import EnumerationAlias, Recipient

from . import cleansing
from .fields import cleansed_fields
from .models import AliasRewrite, CleansingRun, RewrittenRow

GENERATED_AT = datetime(2026, 1, 1, 2, 0, tzinfo=UTC)  # fixed: the same seed gives the same rows
NOW = GENERATED_AT + timedelta(days=1)  # the night's run
RECIPIENTS = Recipient._meta.db_table
ALIASES = EnumerationAlias._meta.db_table
SAVED_RECIPIENTS = "bench_aliases_recipients"
SAVED_ALIASES = "bench_aliases_aliases"
COLUMNS = "id, email, phone, first_name, last_name, country, company_type, created_at"
AUDIT = (RewrittenRow._meta.db_table, AliasRewrite._meta.db_table, CleansingRun._meta.db_table)

BASELINE_AUDIT = """
INSERT INTO aliases_rewrittenrow (run_id, binding, row_id, old_value, new_value, alias_id)
SELECT %(run)s, %(binding)s, id, {column}, {new_value}, {alias_id}
FROM campaign_recipient WHERE {column} IN ({spellings})
"""
BASELINE_UPDATE = """
UPDATE campaign_recipient SET {column} = {new_value} WHERE {column} IN ({spellings})
"""


def _quote(text):
    return "'" + str(text).replace("'", "''") + "'"


def _execute(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _rows(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [list(row) for row in cursor.fetchall()]


def _plain(value):
    """JSON-able: lists for rows, whole numbers for SUM()'s decimals."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return int(value)
    return value


def spellings_found(target):
    """{exact spelling found in the field: (value, alias id or None)}: what the
    hand-written CASE maps (read once, in prepare)."""
    found = _rows(
        f"""SELECT DISTINCT t.{target.column}, m.target, m.alias_id
            FROM {target.table} t JOIN ({cleansing.mapping_sql(target.enumeration)}) m
                 ON {target.spelling_key(f"t.{target.column}")} = m.match_key
            WHERE t.{target.column} <> m.target""",
        {"enumeration": target.enumeration.pk},
    )
    return {spelling: (value, alias_id) for spelling, value, alias_id in found}


def baseline_statements(target, mapping):
    """The hand-written audit INSERT and UPDATE of one field."""
    new_value = (
        "CASE {column} "
        + " ".join(
            f"WHEN {_quote(spelling)} THEN {_quote(value)}" for spelling, (value, _alias) in mapping.items()
        )
        + " END"
    )
    alias_id = (
        "CASE {column} "
        + " ".join(
            f"WHEN {_quote(spelling)} THEN {alias if alias is not None else 'NULL'}"
            for spelling, (_value, alias) in mapping.items()
        )
        + " END"
    )
    column = target.column
    values = {
        "column": column,
        "new_value": new_value.format(column=column),
        "alias_id": alias_id.format(column=column),
        "spellings": ", ".join(_quote(spelling) for spelling in mapping),
    }
    return BASELINE_AUDIT.format(**values), BASELINE_UPDATE.format(**values)


@register
class AliasCleansing(Benchmark):
    name = "aliasCleansing"
    description = (
        "aliasCleansing: collect, rewrite 30 aliased spellings in two bound fields with their audit, "
        "hits vs one UPDATE with a CASE per field writing the same audit"
    )
    baseline_sql = (
        "-- per field, in one transaction (the CASE lists the spellings of the data set):\n"
        + BASELINE_AUDIT.strip()
        + "\n"
        + BASELINE_UPDATE.strip()
        + "\n-- and the rows per alias: "
        + "INSERT INTO aliases_aliasrewrite … SELECT … FROM aliases_rewrittenrow GROUP BY alias_id, new_value"
    )
    target_ratio = 1.5
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        generated = generate_data(scale, ("recipients", "recipient_spellings"), seed=5, now=GENERATED_AT)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SAVED_RECIPIENTS}, {SAVED_ALIASES}")
            cursor.execute(f"CREATE TABLE {SAVED_RECIPIENTS} AS SELECT {COLUMNS} FROM {RECIPIENTS}")
            cursor.execute(f"CREATE TABLE {SAVED_ALIASES} AS SELECT * FROM {ALIASES}")
        plan, _skipped = cleansed_fields()
        targets = [target for _enumeration, fields in plan for target in fields]
        self.mappings = {target.key: spellings_found(target) for target in targets}
        aliased = sum(
            _rows(
                f"SELECT COUNT(*) FROM {target.table} WHERE {target.column} IN "
                f"({', '.join(map(_quote, self.mappings[target.key]))})"
            )[0][0]
            for target in targets
            if self.mappings[target.key]
        )
        spellings = sum(len(mapping) for mapping in self.mappings.values())
        self.figures["rows"] = (
            f"{Recipient.objects.count():,} recipients; {spellings} spellings to rewrite in {aliased:,} "
            f"values of {len(targets)} fields"
        )
        self.reset()

    def reset(self):
        """The recipients reloaded from the copy (same physical table for both sides),
        the aliases as generated, no audit; vacuumed and analysed."""
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(AUDIT)}")
            cursor.execute(f"TRUNCATE {RECIPIENTS} CASCADE")
            cursor.execute(f"INSERT INTO {RECIPIENTS} ({COLUMNS}) SELECT {COLUMNS} FROM {SAVED_RECIPIENTS}")
            cursor.execute(f"DELETE FROM {ALIASES}")
            cursor.execute(f"INSERT INTO {ALIASES} SELECT * FROM {SAVED_ALIASES}")
            for table in (RECIPIENTS, ALIASES, *AUDIT):
                cursor.execute(f"VACUUM (ANALYZE) {table}")

    def run_ours(self):
        lines = []
        result = cleansing.cleanse(NOW, log=lines.append)
        return {
            "ours: rows rewritten": result.rewritten,
            "ours: values collected": result.collected,
            "ours: journal": " | ".join(lines),
        }

    def run_baseline(self):
        plan, _skipped = cleansed_fields()
        started = time.perf_counter()
        with transaction.atomic():
            run = CleansingRun.objects.create(ran_at=NOW)
            for _enumeration, targets in plan:
                for target in targets:
                    mapping = self.mappings.get(target.key)
                    if not mapping:
                        continue
                    audit, update = baseline_statements(target, mapping)
                    params = {"run": run.pk, "binding": target.key, "field": target.label}
                    params["enumeration"] = target.enumeration.pk
                    _execute(audit, params)
                    _execute(update)
                    _execute(cleansing.summary_sql(target), params)
        self.figures["baseline: transaction s"] = round(time.perf_counter() - started, 3)

    def result(self):
        plan, _skipped = cleansed_fields()
        found = {}
        for _enumeration, targets in plan:
            for target in targets:
                found[target.key] = _rows(
                    f"SELECT {target.column}, COUNT(*) FROM {target.table} GROUP BY 1 ORDER BY 1"
                )
        found["audit"] = _rows(
            "SELECT binding, old_value, new_value, alias_id, COUNT(*), SUM(row_id) FROM aliases_rewrittenrow "
            "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
        found["per_alias"] = _rows(
            "SELECT binding, alias_id, target, matched, rows_rewritten FROM aliases_aliasrewrite "
            "ORDER BY 1, 2, 3, 4"
        )
        total = sum(row[4] for row in found["audit"])
        return _plain({"total": total, **found})  # the total first: the report shows the start

    def teardown(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SAVED_RECIPIENTS}, {SAVED_ALIASES}")
