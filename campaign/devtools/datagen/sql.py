"""The data generator's SQL toolkit: what every table's generator builds its statements
with, whatever app declares the table.

- SQL spellings of the two databases (`PostgreSQL`, `SQLite`): a series of whole
  numbers, the expansion of a plan row into its numbered rows, timestamps, GREATEST /
  LEAST, JSON. Both give the same values, so a seed gives the same data on either.
- `pseudo_random`: a deterministic pseudo-random whole number computed in SQL from a
  whole-number expression, the seed and a salt (a modular hash, exact in 64-bit integers).
- Literal and choice builders (`literal`, `case`, `weighted`, `choose`) that turn fixed
  vocabularies into CASE expressions.
- `insert_in_chunks`: one INSERT … SELECT per chunk of row numbers, with progress.
- `bulk_load`: on PostgreSQL, a large load into a table holding fewer rows runs without
  the table's secondary indexes, unique and foreign-key constraints, rebuilt afterwards
  in the same transaction (one sort and one anti-join instead of millions of row-by-row
  checks).

Temporary tables of a run are named `datagen_…` (`TEMPORARY_PREFIX`): the run drops
them all at its end.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import connection

if TYPE_CHECKING:
    from workflows.plugins import Generation

MODULUS = 2_147_483_647  # 2^31 - 1: squares stay below 2^62, so no bigint overflow anywhere
# Strides that walk a range of n rows without repeating (those not dividing n).
STRIDE_PRIMES = (7919, 104729, 1299709, 15485863, 32452843, 49979687, 67867967, 86028121)
# PostgreSQL: a load of at least this many rows into a table holding fewer rows is done
# without its secondary indexes and constraints, rebuilt afterwards.
BULK_LOAD_MIN_ROWS = 100_000
TEMPORARY_PREFIX = "datagen_"
NUMBERS_TABLE = "datagen_numbers"

Execute = Callable[[str], int]


# --- literals and choices ---------------------------------------------------------------

_COLUMN = re.compile(r"^[a-z_][a-z_0-9]*(\.[a-z_0-9]+)?$")


def literal(text: object) -> str:
    """A SQL string literal (only ever used on the generator's own constants)."""
    return "'" + str(text).replace("'", "''") + "'"


def literals(values: Iterable[object]) -> list[str]:
    return [literal(value) for value in values]


def case(expression: str, mapping: Mapping[Any, object], default: str = "NULL") -> str:
    """CASE `expression` WHEN key THEN value…: string keys are quoted, values are SQL."""
    whens = " ".join(
        f"WHEN {literal(key) if isinstance(key, str) else key} THEN {value}" for key, value in mapping.items()
    )
    return f"CASE {expression} {whens} ELSE {default} END"


def weighted(roll: str, options: Sequence[tuple[int, str]]) -> str:
    """One of [(weight, SQL value)], chosen by the bucket `roll % total of weights`."""
    options = [(weight, value) for weight, value in options if weight > 0]
    divisor = math.gcd(*(weight for weight, _ in options))
    options = [(weight // divisor, value) for weight, value in options]
    if len(options) == 1:
        return options[0][1]
    total, reached, whens = sum(weight for weight, _ in options), 0, []
    if _COLUMN.match(roll):  # a column: cheap to repeat in a searched CASE
        for weight, value in options[:-1]:
            reached += weight
            whens.append(f"WHEN {roll} % {total} < {reached} THEN {value}")
        return f"CASE {' '.join(whens)} ELSE {options[-1][1]} END"
    # An expression: a simple CASE evaluates it once, then compares bucket numbers.
    for weight, value in options[:-1]:
        whens.extend(f"WHEN {bucket} THEN {value}" for bucket in range(reached, reached + weight))
        reached += weight
    return f"CASE ({roll}) % {total} {' '.join(whens)} ELSE {options[-1][1]} END"


def choose(roll: str, values: Iterable[str]) -> str:
    """One of `values` (SQL) chosen by `roll % len(values)`."""
    values = list(values)
    if len(values) == 1:
        return values[0]
    whens = " ".join(f"WHEN {index} THEN {value}" for index, value in enumerate(values[:-1]))
    return f"CASE ({roll}) % {len(values)} {whens} ELSE {values[-1]} END"


def numbered(first_id: int, number: str) -> str:
    """The id of the row numbered `number` (from 1) when the first one gets `first_id`."""
    return f"{first_id - 1} + {number}"


def stride_for(size: int) -> int:
    """A prime stride that visits each of `size` rows once before repeating."""
    return next(prime for prime in STRIDE_PRIMES if size == 0 or size % prime)


# --- the pseudo-random function ------------------------------------------------------------


def pseudo_random(seed: int, expression: str, salt: str) -> str:
    """SQL for a pseudo-random whole number in [0, MODULUS) from the whole number
    `expression`, the seed and a salt: two rounds of squaring modulo a prime, with
    constants drawn from a hash of seed and salt (identical on every database)."""
    digest = hashlib.sha256(f"{seed}:{salt}".encode()).digest()
    scale, shift, first_add, second_add = (
        int.from_bytes(digest[start : start + 4], "big") % MODULUS for start in (0, 4, 8, 12)
    )
    first = f"((({expression}) % {MODULUS}) * {scale or 1} + {shift}) % {MODULUS}"
    second = f"(({first}) * ({first}) + {first_add}) % {MODULUS}"
    return f"((({second}) * ({second}) + {second_add}) % {MODULUS})"


# --- the two databases ---------------------------------------------------------------------


class PostgreSQL:
    """PostgreSQL's spellings; a whole run's statements go through one instance."""

    vendor = "postgresql"
    chunk_rows = 1_000_000
    fence = " OFFSET 0"  # keeps a subquery from being flattened: its columns are computed once
    needs_numbers = False
    temporary_tables = (
        "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r'"
    )

    def series(self, first: int | str, last: int | str) -> str:
        """A FROM item `series` of the whole numbers first..last, column `i`."""
        return f"generate_series({first}::bigint, {last}::bigint) AS series(i)"

    def expand(self, plan: str, count: str) -> tuple[str, str]:
        """FROM clause giving each plan row p its numbers g.k = 1..p.count, and a WHERE."""
        return f"{plan} p CROSS JOIN LATERAL generate_series(1::bigint, p.{count}) AS g(k)", "TRUE"

    def timestamp(self, epoch: str) -> str:
        return f"to_timestamp({epoch})"

    def greatest(self, *values: str) -> str:
        return f"GREATEST({', '.join(values)})"

    def least(self, *values: str) -> str:
        return f"LEAST({', '.join(values)})"

    def json(self, text: str) -> str:
        return f"({text})::jsonb"

    def ensure_numbers(self, execute: Execute, upto: int) -> None:
        """Make `expand` able to number up to `upto` rows per plan row (SQLite only)."""


class SQLite(PostgreSQL):
    """SQLite's spellings: recursive CTEs, and a temporary numbers table for `expand`."""

    vendor = "sqlite"
    chunk_rows = 100_000
    fence = " LIMIT -1 OFFSET 0"
    needs_numbers = True
    temporary_tables = "SELECT name FROM sqlite_temp_master WHERE type = 'table'"

    def __init__(self) -> None:
        self.numbers_ready = 0

    def series(self, first: int | str, last: int | str) -> str:
        return (
            f"(WITH RECURSIVE s(i) AS (SELECT {first} WHERE {first} <= {last} "
            f"UNION ALL SELECT i + 1 FROM s WHERE i < {last}) SELECT i FROM s) series"
        )

    def expand(self, plan: str, count: str) -> tuple[str, str]:
        # CROSS JOIN keeps the plan as the outer loop; k is the rowid: a range scan per row.
        return f"{plan} p CROSS JOIN {NUMBERS_TABLE} g", f"g.k <= p.{count}"

    def timestamp(self, epoch: str) -> str:
        return f"datetime({epoch}, 'unixepoch')"

    def greatest(self, *values: str) -> str:
        return f"max({', '.join(values)})"

    def least(self, *values: str) -> str:
        return f"min({', '.join(values)})"

    def json(self, text: str) -> str:
        return text

    def ensure_numbers(self, execute: Execute, upto: int) -> None:
        upto = max(upto, 1)
        if upto <= self.numbers_ready:
            return
        if not self.numbers_ready:  # a table left by an earlier run may be shorter
            execute(f"DROP TABLE IF EXISTS {NUMBERS_TABLE}")
            execute(f"CREATE TEMP TABLE {NUMBERS_TABLE} (k INTEGER PRIMARY KEY)")
        execute(
            f"WITH RECURSIVE s(k) AS (SELECT {self.numbers_ready + 1} UNION ALL SELECT k + 1 FROM s "
            f"WHERE k < {upto}) INSERT INTO {NUMBERS_TABLE} SELECT k FROM s"
        )
        self.numbers_ready = upto


Dialect = PostgreSQL


def dialect_for_connection() -> Dialect:
    return PostgreSQL() if connection.vendor == "postgresql" else SQLite()


def expand(generation: Generation, plan: str, count: str) -> tuple[str, str]:
    """The dialect's `expand` of table `plan` by its column `count`, once SQLite's
    numbers table is long enough for the largest count."""
    if generation.dialect.needs_numbers:
        upto = generation.one(f"SELECT COALESCE(MAX({count}), 0) FROM {plan}")[0]
        generation.dialect.ensure_numbers(generation.sql, int(upto))
    return generation.dialect.expand(plan, count)


def slices(rows: int, weight: str, running: str, total: int) -> tuple[str, str]:
    """SQL for each plan row's share of `rows` in proportion to `weight`, given the
    running sum of the weights (`running`, in plan order) and their `total`: the
    offset of its first row and its number of rows. The floors of a cumulative share,
    so that the slices add up to exactly `rows`."""
    before = f"{rows} * ({running} - {weight}) / {total or 1}"
    return before, f"{rows} * {running} / {total or 1} - {before}"


# --- inserts -------------------------------------------------------------------------------


def insert_in_chunks(
    execute: Execute,
    chunk_rows: int,
    total: int,
    statement: Callable[[int, int], str],
    progress: Callable[[int, float], None],
) -> int:
    """Run statement(first, last) over the row numbers 1..total in chunks of
    `chunk_rows`; `progress(done, seconds)` after each chunk when there are several."""
    done, started = 0, time.perf_counter()
    for first in range(1, total + 1, chunk_rows):
        last = min(total, first + chunk_rows - 1)
        done += execute(statement(first, last))
        if total > chunk_rows:
            progress(done, time.perf_counter() - started)
    return done


def _all(statement: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.fetchall()


@contextmanager
def bulk_load(execute: Execute, table: str, rows: int, say: Callable[[str], None]) -> Iterator[None]:
    """PostgreSQL: load `rows` into `table` without its secondary indexes and its unique
    and foreign-key constraints when that is worth it, rebuilding them afterwards."""
    if connection.vendor != "postgresql" or rows < BULK_LOAD_MIN_ROWS:
        yield
        return
    quoted = connection.ops.quote_name(table)
    # The planner's estimate, unless the table is empty (e.g. just truncated).
    existing = _all(
        f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {quoted}) THEN reltuples ELSE 0 END "
        f"FROM pg_class WHERE oid = {literal(table)}::regclass"
    )[0][0]
    if existing >= rows:
        yield
        return
    constraints = _all(
        "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
        f"WHERE conrelid = {literal(table)}::regclass AND contype IN ('f', 'u') "
        "ORDER BY contype DESC, conname"
    )
    indexes = _all(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        f"WHERE x.indrelid = {literal(table)}::regclass AND NOT x.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid) "
        "ORDER BY i.relname"
    )
    # Dropping a foreign key alters the referenced table too, which PostgreSQL refuses
    # while that table has deferred checks pending: run them now.
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    for name, _definition, _kind in constraints:
        execute(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _definition in indexes:
        execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    execute("SET CONSTRAINTS ALL DEFERRED")
    yield
    started = time.perf_counter()
    execute("SET LOCAL maintenance_work_mem = '512MB'")
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    for _name, definition in indexes:
        execute(definition)
    for name, definition, _kind in reversed(constraints):  # unique first, then foreign keys
        execute(f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
    execute("SET CONSTRAINTS ALL DEFERRED")
    say(
        f"  {table}: {len(indexes)} indexes and {len(constraints)} constraints rebuilt "
        f"({time.perf_counter() - started:.1f} s)"
    )
