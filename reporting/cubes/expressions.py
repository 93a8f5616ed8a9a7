"""SQL the ORM does not spell for us: a continuous percentile and the seconds between
two times, on PostgreSQL and SQLite alike.

- `Percentile(expression, fraction)`: PostgreSQL's `percentile_cont(fraction) WITHIN
  GROUP (ORDER BY expression)`. SQLite has no such function: `install_sqlite_functions`
  registers one on each SQLite connection (Python, the same linear interpolation), so
  reports and tests give the same figures on both. Its memory grows with the largest
  group (it keeps the group's values): fine for SQLite's development data sets, which
  is all SQLite is for here.
- `Seconds(end, start)`: `end - start` in seconds, as a float.
- `CountRows(filter=…)`: COUNT(*) of the rows passing a filter.
"""

import math

from django.db.models import Aggregate, BigIntegerField, FloatField, Func


class Percentile(Aggregate):
    """The continuous percentile (`fraction` between 0 and 1) of a number per group."""

    name = "Percentile"
    function = "PERCENTILE_CONT"
    output_field = FloatField()
    allow_distinct = False
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction, **extra):
        if not 0 < float(fraction) < 1:
            raise ValueError("a percentile's fraction is between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        # The Python aggregate below, registered under the same name: value, fraction.
        return self.as_sql(
            compiler, connection, template="%(function)s(%(expressions)s, %(fraction)s)", **extra_context
        )


class CountRows(Aggregate):
    """COUNT(*) of the rows that pass `filter` (Django's Count refuses a star with a
    filter, and COUNT(id) would carry the id through the GROUP BY's sort)."""

    name = "CountRows"
    function = "COUNT"
    template = "COUNT(*)"
    output_field = BigIntegerField()
    empty_result_set_value = 0

    def __init__(self, *, filter):
        super().__init__(filter=filter)


class Seconds(Func):
    """`end - start` in seconds (NULL when either is NULL)."""

    output_field = FloatField()
    arity = 2

    def __init__(self, end, start, **extra):
        super().__init__(end, start, **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        # date_part gives a double precision; EXTRACT a numeric, slower to compute.
        return self.as_sql(
            compiler, connection, template="date_part('epoch', %(expressions)s)", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django's own datetime subtraction on SQLite: exact microseconds (julianday()
        # would round to ~10 µs).
        end, start = (compiler.compile(argument) for argument in self.get_source_expressions())
        sql, params = connection.ops.subtract_temporals("DateTimeField", end, start)
        return f"({sql} / 1000000.0)", params


def percentile_cont(values, fraction):
    """PostgreSQL's percentile_cont over a list of numbers (None when empty)."""
    ordered = sorted(value for value in values if value is not None)
    if not ordered:
        return None
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


class _SqlitePercentile:
    """sqlite3 aggregate class: step(value, fraction), finalize()."""

    def __init__(self):
        self.values = []
        self.fraction = None

    def step(self, value, fraction):
        self.fraction = fraction
        if value is not None:
            self.values.append(value)

    def finalize(self):
        if self.fraction is None:
            return None
        return percentile_cont(self.values, self.fraction)


def install_sqlite_functions(sender, connection, **kwargs):
    """connection_created receiver: PERCENTILE_CONT on SQLite connections."""
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("PERCENTILE_CONT", 2, _SqlitePercentile)
