"""Cube queries built by the ORM from a cube's declaration (workflows.plugins.Cube):
the grouped SELECT over the fact table, the same over the aggregate (rolling finer
rows up), and the SELECT that fills the aggregate.

Every measure is read as one or more *components*, the columns an aggregate stores:
count, sum, min, max, count_distinct and percentile are one component named after the
measure; an average is two (`<key>_sum`, `<key>_count`); a ratio is the components of
its numerator and denominator. Reading components, not finished figures, is what lets
an aggregate answer coarser groups (sums of sums) and lets a page add rows up into
totals; `finish()` turns components into figures.

Dates are grouped in TIME_ZONE: a period is the local date its day, week (Monday),
month or year starts on, or the local hour (a datetime) at the hour level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db.models import Count, DateField, F, Max, Min, Q, Sum
from django.db.models.functions import Trunc, TruncDate, TruncHour

from workflows.plugins import Cube, CubeMeasure

from .expressions import CountRows, Percentile

PERIOD = "period"


def dimension_alias(key):
    """The SELECT alias of a dimension (never a field name of the fact model)."""
    return f"d_{key}"


def component_alias(column):
    return f"m_{column}"


def local_zone():
    return ZoneInfo(settings.TIME_ZONE)


# --- Components ------------------------------------------------------------------------


@dataclass(frozen=True)
class Component:
    """One stored column of a measure: `role` is value, sum or count."""

    column: str
    measure: CubeMeasure
    role: str = "value"


def components(cube: Cube, measure_keys) -> list[Component]:
    """The components the measures need, each once, in a stable order."""
    found: dict[str, Component] = {}

    def add(measure):
        if measure.function == "ratio":
            add(cube.measure(measure.numerator))
            add(cube.measure(measure.denominator))
        elif measure.function == "avg":
            found.setdefault(f"{measure.key}_sum", Component(f"{measure.key}_sum", measure, "sum"))
            found.setdefault(f"{measure.key}_count", Component(f"{measure.key}_count", measure, "count"))
        else:
            found.setdefault(measure.key, Component(measure.key, measure))

    for key in measure_keys:
        add(cube.measure(key))
    return list(found.values())


def fact_expression(component: Component):
    """The aggregate expression computing a component from the facts."""
    measure, condition = component.measure, component.measure.filter
    function = measure.function
    if function == "count":
        return Count("*") if condition is None else CountRows(filter=condition)
    if function == "avg":
        if component.role == "sum":
            return Sum(measure.field, filter=condition)
        return Count(measure.field, filter=condition)
    if function == "sum":
        return Sum(measure.field, filter=condition)
    if function == "min":
        return Min(measure.field, filter=condition)
    if function == "max":
        return Max(measure.field, filter=condition)
    if function == "count_distinct":
        return Count(measure.field, distinct=True, filter=condition)
    if function == "percentile":
        return Percentile(measure.field, measure.fraction, filter=condition)
    raise ValueError(f"no component for {function}")


def rollup_expression(component: Component):
    """The aggregate expression computing a component from finer aggregate rows."""
    function = component.measure.function
    if function == "min":
        return Min(component.column)
    if function == "max":
        return Max(component.column)
    if function in CubeMeasure.EXACT_GRAIN_ONLY:
        return Max(component.column)  # one aggregate row per group at its own grain
    return Sum(component.column)


def add_up(values, component: Component):
    """Components of several rows added up in Python (None when they cannot be)."""
    function = component.measure.function
    present = [value for value in values if value is not None]
    if function in CubeMeasure.EXACT_GRAIN_ONLY:
        return None
    if not present:
        return None if function in ("min", "max", "sum") else 0
    if function == "min":
        return min(present)
    if function == "max":
        return max(present)
    return sum(present)


def finish(cube: Cube, measure_keys, values):
    """{measure key: figure} from {component column: value}."""
    figures = {}
    for key in measure_keys:
        figures[key] = figure(cube, cube.measure(key), values)
    return figures


def figure(cube, measure, values):
    if measure.function == "ratio":
        numerator = figure(cube, cube.measure(measure.numerator), values)
        denominator = figure(cube, cube.measure(measure.denominator), values)
        if not denominator or numerator is None:
            return None
        ratio = numerator / denominator
        return ratio * 100 if measure.unit == "%" else ratio
    if measure.function == "avg":
        total, count = values.get(f"{measure.key}_sum"), values.get(f"{measure.key}_count")
        return total / count if count else None
    return values.get(measure.key)


# --- What to read --------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """A cube question: group by `dimensions` (non-date keys) and the date at `level`
    (None: not by date), facts whose local date is in [start, end] (either may be None),
    and `filters` {dimension key: allowed values (None stands for "none")}."""

    dimensions: tuple[str, ...] = ()
    level: str | None = None
    start: date | None = None
    end: date | None = None
    filters: dict = field(default_factory=dict)

    @property
    def filtered_dimensions(self):
        return {key for key, values in self.filters.items() if values}


def _membership(alias, values):
    """`alias` in values, where None in values means "is null"."""
    known = [value for value in values if value is not None]
    condition = Q(**{f"{alias}__in": known}) if known else Q(pk__in=[])
    if None in values:
        condition |= Q(**{f"{alias}__isnull": True})
    return condition


def local_midnight(day):
    return datetime.combine(day, time.min, tzinfo=local_zone())


def fact_model(cube: Cube):
    return apps.get_model(cube.fact)


@dataclass(frozen=True)
class Target:
    """An aggregate table reports can read: the Full aggregate, or a summary rolled up
    from it. `dimensions` are its non-date ones; its date column is named `level`."""

    model: str
    dimensions: tuple[str, ...]
    level: str
    full: bool

    @property
    def model_class(self):
        return apps.get_model(self.model)

    def stores(self, measure: CubeMeasure):
        """Whether it stores the measure (a summary has none of those that do not add up)."""
        return self.full or measure.rolls_up


def full_target(cube: Cube) -> Target:
    dimensions = tuple(key for key in cube.aggregate_dimensions if not cube.dimension(key).is_date)
    return Target(cube.aggregate, dimensions, cube.aggregate_level, full=True)


def summary_targets(cube: Cube) -> list[Target]:
    return [Target(s.model, s.dimensions, s.level, full=False) for s in cube.summaries]


def targets(cube: Cube) -> list[Target]:
    """Where reports may read, in the order they try: the summaries, then the aggregate."""
    return [*summary_targets(cube), full_target(cube)] if cube.aggregate else []


def aggregate_model(cube: Cube):
    return apps.get_model(cube.aggregate)


def fact_period(cube: Cube, level):
    """The local period of a fact at `level` (a date; a datetime at the hour level)."""
    source = cube.date_dimension.field
    if level == "hour":
        return TruncHour(source, tzinfo=local_zone())
    day = TruncDate(source, tzinfo=local_zone())
    return day if level == "day" else Trunc(day, level, output_field=DateField())


def target_period(target: Target, level):
    column = target.level
    return F(column) if level == column else Trunc(column, level, output_field=DateField())


def _dimension_expression(dimension):
    return F(dimension.field) if isinstance(dimension.field, str) else dimension.field


@dataclass
class Grouped:
    """A filtered, annotated queryset and the aliases to group it by."""

    queryset: object
    grouping: list

    def rows(self, measures):
        """Grouped rows {alias: value}, ordered by the grouping; one row without one."""
        if not self.grouping:
            return [self.queryset.aggregate(**measures)]
        return self.queryset.values(*self.grouping).annotate(**measures).order_by(*self.grouping)


def facts_grouped(cube: Cube, selection: Selection) -> Grouped:
    """The facts of a selection, grouped: rows of {period?, d_<key>…} + components."""
    queryset = fact_model(cube)._base_manager.all()
    date_field = cube.date_dimension.field if cube.date_dimension else None
    if date_field and selection.start:
        queryset = queryset.filter(**{f"{date_field}__gte": local_midnight(selection.start)})
    if date_field and selection.end:
        queryset = queryset.filter(**{f"{date_field}__lt": local_midnight(selection.end + timedelta(days=1))})
    group = {}
    if selection.level:
        group[PERIOD] = fact_period(cube, selection.level)
    wanted = [*selection.dimensions, *sorted(selection.filtered_dimensions - set(selection.dimensions))]
    annotations = {dimension_alias(key): _dimension_expression(cube.dimension(key)) for key in wanted}
    queryset = queryset.annotate(**group, **annotations)
    for key, values in selection.filters.items():
        if values:
            queryset = queryset.filter(_membership(dimension_alias(key), values))
    return Grouped(queryset, [*group, *(dimension_alias(key) for key in selection.dimensions)])


def fact_measures(cube: Cube, measure_keys):
    return {component_alias(c.column): fact_expression(c) for c in components(cube, measure_keys)}


def aggregate_grouped(cube: Cube, selection: Selection, target: Target | None = None) -> Grouped:
    """The same groups read from an aggregate table (which must cover the selection)."""
    target = target or full_target(cube)
    queryset = target.model_class._base_manager.all()
    column = target.level
    if selection.start:
        # A coarser period's row holds its first day: it is in when that day is.
        queryset = queryset.filter(**{f"{column}__gte": selection.start})
    if selection.end:
        queryset = queryset.filter(**{f"{column}__lte": selection.end})
    for key, values in selection.filters.items():
        if values:
            queryset = queryset.filter(_membership(key, values))
    group = {}
    if selection.level:
        group[PERIOD] = target_period(target, selection.level)
    group.update({dimension_alias(key): F(key) for key in selection.dimensions})
    return Grouped(queryset.annotate(**group), list(group))


def rollup_measures(cube: Cube, measure_keys):
    return {component_alias(c.column): rollup_expression(c) for c in components(cube, measure_keys)}


# --- Filling the aggregate and its summaries -------------------------------------------------


def stored_measures(cube: Cube, target: Target):
    """The measures a table stores: every one but ratios (computed when read), and for a
    summary only those that add up."""
    return [m.key for m in cube.measures if m.function != "ratio" and target.stores(m)]


def target_columns(cube: Cube, target: Target):
    """A table's columns, in the order its fill writes them."""
    columns = [target.level, *target.dimensions]
    return columns + [c.column for c in components(cube, stored_measures(cube, target))]


def aggregate_columns(cube: Cube):
    return target_columns(cube, full_target(cube))


def _ordered_select(grouped: Grouped, measures, connection):
    """The grouped query with its columns in fill order: the ORM writes the GROUP BY,
    the outer SELECT only orders its columns."""
    query = grouped.queryset.values(*grouped.grouping).annotate(**measures).order_by()
    inner, params = query.query.sql_with_params()
    aliases = [*grouped.grouping, *measures]
    outer = ", ".join(f"grouped.{connection.ops.quote_name(alias)}" for alias in aliases)
    return f"SELECT {outer} FROM ({inner}) AS grouped", params


def fill_select(cube: Cube, connection):
    """(sql, params): every fact grouped at the Full aggregate's grain."""
    target = full_target(cube)
    grouped = facts_grouped(cube, Selection(dimensions=target.dimensions, level=target.level))
    return _ordered_select(grouped, fact_measures(cube, stored_measures(cube, target)), connection)


def summary_select(cube: Cube, target: Target, connection):
    """(sql, params): the Full aggregate's rows added up at a summary's grain."""
    grouped = aggregate_grouped(cube, Selection(dimensions=target.dimensions, level=target.level))
    return _ordered_select(grouped, rollup_measures(cube, stored_measures(cube, target)), connection)
