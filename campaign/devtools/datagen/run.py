"""The run of `generate_data`: which tables, how many rows, in what order, in one
transaction.

The tables are those the installed apps declare (`GeneratedTable`s in their
contributions.py), generated in their declared order. Counts are a dict {table key:
rows}, built from a preset and overrides (`preset_counts`) or given whole; they are
checked before anything changes (`count_problems`). The run then, in one transaction:
optionally empties the generated tables and every table holding a foreign key to them
(`truncate`), seeds the channels, notes the first id of this run's rows per model
(ids continue after the existing rows), calls each table's generator with the run as
its `Generation` context, resets the id sequences and drops its temporary tables.
Finally it ANALYZEs the generated tables.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from campaign import roles
from campaign.dates import add_months
from campaign.models import Channel
from workflows.plugins import GeneratedTable, generated_tables

from .sql import (
    TEMPORARY_PREFIX,
    bulk_load,
    dialect_for_connection,
    insert_in_chunks,
    literal,
    pseudo_random,
)

MONTHS = 18  # the generated window: times fall in the 18 months before `now`
PRESETS = ("tiny", "demo", "bench")


class GenerationError(ValueError):
    """The counts cannot be generated; nothing was changed."""


@dataclass
class Result:
    rows: dict[str, int] = field(default_factory=dict)  # table key -> rows inserted
    seconds: dict[str, float] = field(default_factory=dict)  # table key -> seconds (insert + indexes)
    total_seconds: float = 0.0


def window_start(now: datetime) -> datetime:
    """The start of the generated window: `now` minus 18 months (day clamped)."""
    return add_months(now, -MONTHS)


# --- counts ------------------------------------------------------------------------------


def preset_counts(preset: str, **overrides: int) -> dict[str, int]:
    """{table key: rows} of every declared table for `preset`, with `overrides`."""
    if preset not in PRESETS:
        raise GenerationError(f"unknown preset {preset!r}; known: {', '.join(PRESETS)}")
    counts = {table.key: table.counts.get(preset, 0) for table in generated_tables()}
    unknown = sorted(set(overrides) - set(counts))
    if unknown:
        raise GenerationError(_unknown_tables(unknown))
    return counts | overrides


def _unknown_tables(keys: Iterable[str]) -> str:
    known = ", ".join(table.key for table in generated_tables())
    return f"unknown table(s) {', '.join(keys)}; known: {known}"


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def count_problems(counts: Mapping[str, object]) -> list[str]:
    """Readable problems with `counts` (empty when they can be generated): unknown
    tables, counts that are not whole numbers >= 0, tables whose required tables get
    no rows. Tables not named get no rows."""
    tables = generated_tables()
    unknown = sorted(set(counts) - {table.key for table in tables})
    if unknown:
        return [_unknown_tables(unknown)]
    bad = [f"{table.key}={counts[table.key]!r}" for table in tables if not _whole(counts.get(table.key, 0))]
    if bad:
        return [f"counts must be whole numbers >= 0: {', '.join(bad)}"]
    return [
        f"{table.key} needs {needed} > 0"
        for table in tables
        for needed in table.requires
        if counts.get(table.key) and not counts.get(needed)
    ]


# --- tables ------------------------------------------------------------------------------


def generated_models(tables: Iterable[GeneratedTable] | None = None) -> list[type[Model]]:
    """The models the declared tables fill, in table order."""
    found: list[type[Model]] = []
    for table in generated_tables() if tables is None else tables:
        for label in table.models:
            model = apps.get_model(label)
            if model not in found:
                found.append(model)
    return found


def models_to_empty() -> list[type[Model]]:
    """The generated models plus every model holding a foreign key to one of them."""
    found = generated_models()
    grew = True
    while grew:
        grew = False
        for model in apps.get_models(include_auto_created=True):
            if model in found or model._meta.proxy:
                continue
            if any(
                field.many_to_one or field.one_to_one
                for field in model._meta.concrete_fields
                if field.related_model in found
            ):
                found.append(model)
                grew = True
    return found


def empty_tables() -> int:
    """Empty the generated tables (and their dependants) and restart their ids."""
    tables = [model._meta.db_table for model in models_to_empty()]
    quoted = [connection.ops.quote_name(table) for table in tables]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred checks pending in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(quoted)} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in quoted:
                cursor.execute(f"DELETE FROM {table}")
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
            if cursor.fetchone():
                names = ", ".join(literal(table) for table in tables)
                cursor.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({names})")
    return len(tables)


# --- the run: the Generation context of the generators ------------------------------------


class GenerationRun:
    """One run of the generator; each table's generator gets it as its `Generation`
    (workflows.plugins): counts, window, SQL helpers and what generators share."""

    def __init__(self, counts: Mapping[str, int], seed: int, now: datetime, stdout: IO[str] | None):
        self.counts, self.seed, self.now, self.stdout = dict(counts), seed, now, stdout
        self.dialect = dialect_for_connection()
        self.window_start = math.ceil(window_start(now).timestamp())  # every time is >= the window start
        self.window_seconds = int(now.timestamp()) - self.window_start  # …and <= now
        self.channels: dict[str, Channel] = {}
        self.shared: dict[str, Any] = {}
        self.first_ids: dict[str, int] = {}
        self.result = Result()

    # -- the Generation protocol

    def count(self, key: str) -> int:
        return self.counts[key]

    def first_id(self, model: str) -> int:
        return self.first_ids[apps.get_model(model)._meta.label]

    def random(self, expression: str, salt: str) -> str:
        return pseudo_random(self.seed, expression, salt)

    def timestamp(self, offset: str) -> str:
        """A timestamp `offset` seconds after the window start (NULL stays NULL)."""
        return self.dialect.timestamp(f"{self.window_start} + ({offset})")

    def sql(self, statement: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.rowcount

    def one(self, statement: str) -> Any:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone()

    def insert_chunks(self, label: str, total: int, statement: Callable[[int, int], str]) -> int:
        """Run statement(first, last) over the row numbers 1..total in chunks, printing progress."""

        def progress(done: int, seconds: float) -> None:
            self.say(f"  {label}: {done:,} / {total:,} ({seconds:.1f} s)")

        return insert_in_chunks(self.sql, self.dialect.chunk_rows, total, statement, progress)

    def bulk_load(self, model: str, rows: int) -> AbstractContextManager[None]:
        return bulk_load(self.sql, apps.get_model(model)._meta.db_table, rows, self.say)

    # -- the run

    def say(self, line: str) -> None:
        if self.stdout is not None:
            self.stdout.write(line + "\n")

    def timed(self, key: str, function: Callable[[], int]) -> None:
        started = time.perf_counter()
        rows = function()
        elapsed = time.perf_counter() - started
        self.result.rows[key], self.result.seconds[key] = rows, elapsed
        self.say(f"{key:<20} {rows:>12,} rows {elapsed:9.1f} s")

    def fill(self, tables: list[GeneratedTable]) -> None:
        """Every declared table, in order (in the caller's transaction)."""
        self.channels = roles.seed_channels(Channel)
        models = generated_models(tables)
        for model in models:
            table = connection.ops.quote_name(model._meta.db_table)
            self.first_ids[model._meta.label] = self.one(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0] + 1
        for table in tables:
            self.timed(table.key, lambda table=table: table.generate(self))
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            self.sql(statement)
        self.drop_temporary_tables()

    def drop_temporary_tables(self) -> None:
        """Drop the run's temporary tables (the generators' plans, numbers…)."""
        with connection.cursor() as cursor:
            cursor.execute(self.dialect.temporary_tables)
            names = [name for (name,) in cursor.fetchall() if name.startswith(TEMPORARY_PREFIX)]
        for name in names:
            self.sql(f"DROP TABLE IF EXISTS {name}")

    def analyze(self, tables: list[GeneratedTable]) -> None:
        started = time.perf_counter()
        models = generated_models(tables)
        for model in models:
            self.sql(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.say(f"{'analyze':<20} {len(models):>12} tables {time.perf_counter() - started:7.1f} s")


def generate(
    counts: str | Mapping[str, int],
    seed: int = 1,
    now: datetime | None = None,
    stdout: IO[str] | None = None,
    truncate: bool = False,
) -> Result:
    """Generate `counts` (a preset name, or {table key: rows}; tables not named get no
    rows) with `seed`, relative to `now` (default: now). Raises GenerationError, before
    anything changes, on bad input; a failure later rolls everything back."""
    if isinstance(counts, str):
        counts = preset_counts(counts)
    problems = count_problems(counts)
    if not isinstance(seed, int) or isinstance(seed, bool):
        problems.append(f"seed must be a whole number, not {seed!r}")
    if problems:
        raise GenerationError("; ".join(problems))
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise GenerationError("now must be an aware datetime")
    tables = generated_tables()
    run = GenerationRun({table.key: counts.get(table.key, 0) for table in tables}, seed, now, stdout)
    started = time.perf_counter()
    with transaction.atomic():
        if truncate:
            run.timed("truncate", empty_tables)
        run.fill(tables)
    run.analyze(tables)
    run.result.total_seconds = time.perf_counter() - started
    run.say(f"total {run.result.total_seconds:9.1f} s")
    return run.result
