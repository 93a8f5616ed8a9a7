"""Cube reports: answer a selection (dimensions, date level, date range, filters,
measures) from the aggregate when it covers it, otherwise from the fact table, and
shape the answer for the page (pivot rows, totals, chart) and the CSV.

An aggregate table (the Full aggregate, or one of its summaries, tried first) covers a
selection when the aggregate has been built and the table groups by every dimension
the selection groups or filters by, stores the date at a level the selection's level
can be computed from (a day gives weeks, months and years; hours come from the facts)
over whole periods of its level (a table by month answers from a 1st), and, for
distinct counts and percentiles, when the selection is at the Full aggregate's own
grain (every dimension of the aggregate, at its level): those do not add up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models.constants import LOOKUP_SEP
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workflows.plugins import Cube, CubeDimension

from . import queries
from .models import AggregateBuild

ROW_LIMIT = 500
CHART_ROWS = 30
NONE_LABEL = gettext_lazy("(none)")

# The levels rows stored at one level add up to.
DERIVABLE = CubeDimension.DERIVED_LEVELS

LEVEL_LABELS = {
    "year": gettext_lazy("Year"),
    "month": gettext_lazy("Month"),
    "week": gettext_lazy("Week"),
    "day": gettext_lazy("Day"),
    "hour": gettext_lazy("Hour"),
}


@dataclass(frozen=True)
class View:
    """A ready-made report of a cube: its dimensions, level, measures and how many days
    back its date range starts."""

    key: str
    label: str
    dimensions: tuple[str, ...]
    level: str | None
    measures: tuple[str, ...]
    days: int = 30


VIEWS = {
    "propositions": (
        View(
            "offer_analysis",
            gettext_lazy("Offer analysis"),
            ("space", "delivery"),
            "day",
            ("accepted", "rejected", "presented", "acceptance_rate"),
        ),
        View(
            "acceptance_by_offer",
            gettext_lazy("Acceptance by offer"),
            ("offer",),
            "month",
            ("propositions", "presented", "accepted", "acceptance_rate"),
            days=90,
        ),
        View(
            "by_channel",
            gettext_lazy("Propositions by channel"),
            ("channel",),
            "week",
            ("propositions", "presented", "accepted", "rejected"),
            days=90,
        ),
    ),
    "message_center": (
        View("history", gettext_lazy("Message Center history"), ("event_type",), "day", ("events", "sent")),
        View(
            "service_level",
            gettext_lazy("Message Center service level"),
            ("channel",),
            "week",
            ("events", "sent", "failed", "ignored", "expired"),
            days=90,
        ),
        View(
            "processing_time",
            gettext_lazy("Message Center processing time"),
            ("event_type",),
            "day",
            ("events", "processing_time", "processing_time_p95"),
        ),
    ),
}


def views_of(cube: Cube):
    return VIEWS.get(cube.key, ())


def default_view(cube: Cube):
    """The first ready-made view, or one over every dimension and measure."""
    found = views_of(cube)
    if found:
        return found[0]
    dimensions = tuple(d.key for d in cube.dimensions if not d.is_date)[:1]
    return View("default", cube.label, dimensions, "day", tuple(m.key for m in cube.measures))


# --- Where to read --------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a report reads: an aggregate table (`target`: the Full aggregate or one of
    its summaries) with the aggregate's build, or the facts (with why)."""

    aggregate: bool
    build: AggregateBuild | None
    reason: str = ""
    target: queries.Target | None = None


def plan(cube: Cube, selection: queries.Selection, measure_keys, build) -> Source:
    """The first aggregate table that covers the selection (the summaries, then the Full
    aggregate), else the facts and why the Full aggregate does not cover it."""
    if not cube.aggregate:
        return Source(False, build, _("this cube has no aggregate"))
    if build is None:
        return Source(False, None, _("its aggregate has not been built yet"))
    reason = ""
    for target in queries.targets(cube):
        reason = uncovered(cube, target, selection, measure_keys, build)
        if not reason:
            return Source(True, build, target=target)
    return Source(False, build, reason)


def uncovered(cube: Cube, target: queries.Target, selection, measure_keys, build):
    """Why an aggregate table cannot answer a selection ("" when it can)."""
    if not whole_periods(target.level, selection, timezone.localdate(build.built_at)):
        return _("the period does not cover whole “%(level)s” periods") % {
            "level": LEVEL_LABELS[target.level]
        }
    if selection.level and selection.level not in DERIVABLE[target.level]:
        return _(
            "the aggregate's finest date level is “%(stored)s”: “%(asked)s” figures are read from the facts"
        ) % {"stored": LEVEL_LABELS[target.level], "asked": LEVEL_LABELS[selection.level]}
    outside = [
        k for k in (*selection.dimensions, *selection.filtered_dimensions) if k not in target.dimensions
    ]
    if outside:
        names = ", ".join(str(cube.dimension(key).label) for key in dict.fromkeys(outside))
        return _("the aggregate does not group by %(dimensions)s") % {"dimensions": names}
    needs_grain = [key for key in measure_keys if not cube.measure(key).rolls_up]
    exact = (
        target.full
        and set(selection.dimensions) == set(target.dimensions)
        and selection.level == target.level
    )
    if needs_grain and not exact:
        names = ", ".join(str(cube.measure(key).label) for key in needs_grain)
        grain = ", ".join(str(cube.dimension(key).label) for key in sorted(target.dimensions))
        return _(
            "%(measures)s can only be read from the aggregate at its own grain (%(level)s, %(grain)s): "
            "they do not add up"
        ) % {"measures": names, "level": LEVEL_LABELS[target.level], "grain": grain}
    return ""


def period_start(day: date, level):
    """The first day of the period at `level` (day, week, month, year) holding `day`."""
    if level == "week":
        return day - timedelta(days=day.weekday())
    if level == "month":
        return day.replace(day=1)
    if level == "year":
        return day.replace(month=1, day=1)
    return day


def whole_periods(level, selection, built_on):
    """Whether [start, end] is made of whole periods at `level` (a table by month answers
    from a 1st to a month's end), the end being free from the build's day on: the table
    holds nothing after it."""
    if level == "day":
        return True
    if selection.start and period_start(selection.start, level) != selection.start:
        return False
    end = selection.end
    return (
        end is None
        or end >= built_on
        or period_start(end + timedelta(days=1), level) == end + timedelta(days=1)
    )


def grouped_for(cube, selection, source):
    if source.aggregate:
        return queries.aggregate_grouped(cube, selection, source.target)
    return queries.facts_grouped(cube, selection)


def measures_for(cube, measure_keys, source):
    if source.aggregate:
        return queries.rollup_measures(cube, measure_keys)
    return queries.fact_measures(cube, measure_keys)


# --- Labels -------------------------------------------------------------------------------


def _field_at(model, path):
    """The model field at the end of a lookup path ("delivery__channel"), or None."""
    found = None
    for part in path.split(LOOKUP_SEP):
        try:
            found = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = found.related_model or model
    return found


def value_labels(cube: Cube, key, values):
    """{value: label} for the values of a dimension (related rows by str(), choices by
    their label; None is "(none)")."""
    dimension = cube.dimension(key)
    labels = {None: str(NONE_LABEL)}
    wanted = [value for value in values if value is not None]
    if dimension.related:
        model = apps.get_model(dimension.related)
        # select_related(): the __str__ of a row often reads its parents (Offer → environment).
        found = model._base_manager.select_related().in_bulk(set(wanted))
        labels.update({pk: str(row) for pk, row in found.items()})
        return labels
    if isinstance(dimension.field, str):
        model_field = _field_at(queries.fact_model(cube), dimension.field)
        choices = dict(model_field.flatchoices) if model_field is not None and model_field.choices else {}
        labels.update({value: str(choices.get(value, value)) for value in wanted})
        return labels
    labels.update({value: str(value) for value in wanted})
    return labels


def period_label(value, level):
    """A period as people read it: 2026, 2026-06, 2026-W23, 2026-06-10, 2026-06-10 14:00."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        if level == "hour":
            return value.strftime("%Y-%m-%d %H:00")
        value = value.date()
    if level == "year":
        return f"{value.year}"
    if level == "month":
        return value.strftime("%Y-%m")
    if level == "week":
        year, week, _weekday = value.isocalendar()
        return f"{year}-W{week:02d}"
    return value.isoformat()


def period_key(value):
    """The same period from either source (dates; hours as local datetimes)."""
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


# --- The report -------------------------------------------------------------------------------


@dataclass
class Row:
    period: object
    values: tuple
    components: dict
    figures: dict = field(default_factory=dict)
    period_text: str = ""
    labels: tuple = ()


@dataclass
class Report:
    cube: Cube
    selection: queries.Selection
    measures: tuple
    source: Source
    rows: list
    truncated: bool
    totals: dict
    chart: dict

    @property
    def dimension_headers(self):
        return [self.cube.dimension(key) for key in self.selection.dimensions]

    @property
    def measure_headers(self):
        return [self.cube.measure(key) for key in self.measures]


def _rows_from(cube, selection, measure_keys, records):
    columns = queries.components(cube, measure_keys)
    rows = []
    for record in records:
        values = tuple(record[queries.dimension_alias(key)] for key in selection.dimensions)
        found = {c.column: record[queries.component_alias(c.column)] for c in columns}
        rows.append(Row(period_key(record.get(queries.PERIOD)), values, found))
    return rows


def add_up_rows(cube, measure_keys, rows):
    """Components of several rows added up (None for those that do not add up)."""
    return {
        c.column: queries.add_up([row.components.get(c.column) for row in rows], c)
        for c in queries.components(cube, measure_keys)
    }


def build_report(cube: Cube, selection: queries.Selection, measure_keys, limit=ROW_LIMIT) -> Report:
    """The rows (at most `limit`), totals and chart of a selection."""
    measure_keys = tuple(measure_keys)
    build = AggregateBuild.objects.latest_of(cube.key)
    source = plan(cube, selection, measure_keys, build)
    grouped = grouped_for(cube, selection, source)
    measures = measures_for(cube, measure_keys, source)
    records = list(grouped.rows(measures)[: limit + 1]) if grouped.grouping else grouped.rows(measures)
    truncated = len(records) > limit
    rows = _rows_from(cube, selection, measure_keys, records[:limit])
    label_maps = {
        key: value_labels(cube, key, {row.values[index] for row in rows})
        for index, key in enumerate(selection.dimensions)
    }
    for row in rows:
        row.figures = queries.finish(cube, measure_keys, row.components)
        row.period_text = period_label(row.period, selection.level)
        row.labels = tuple(
            label_maps[key].get(value, str(value))
            for key, value in zip(selection.dimensions, row.values, strict=True)
        )
    periods = period_rows(cube, selection, measure_keys, source, rows, truncated, measures)
    if not truncated:
        total_components = add_up_rows(cube, measure_keys, rows)
    elif periods is not None:  # every period, complete: they add up to the total
        total_components = add_up_rows(cube, measure_keys, periods)
    else:
        whole = grouped_for(cube, replace(selection, dimensions=(), level=None), source)
        total_components = _only_rolling(cube, measure_keys, whole.rows(measures)[0])
    totals = queries.finish(cube, measure_keys, total_components)
    chart = chart_data(cube, selection, measure_keys, rows, periods)
    return Report(cube, selection, measure_keys, source, rows, truncated, totals, chart)


def period_rows(cube, selection, measure_keys, source, rows, truncated, measures):
    """One row per period (None without a date level): the rows themselves when they
    are complete and not split by a dimension, the rows added up per period when they
    are complete, otherwise a query grouped by period only."""
    if not selection.level:
        return None
    if truncated:
        records = grouped_for(cube, replace(selection, dimensions=()), source).rows(measures)
        return _rows_from(cube, replace(selection, dimensions=()), measure_keys, records)
    if not selection.dimensions:
        return rows
    return _periods_added_up(cube, measure_keys, rows)


def _only_rolling(cube, measure_keys, record):
    """Components of a whole-selection query; those that do not add up are left out
    (a total of percentiles is not what a reader expects next to the rows)."""
    values = {}
    for c in queries.components(cube, measure_keys):
        values[c.column] = record[queries.component_alias(c.column)] if c.measure.rolls_up else None
    return values


def chart_data(cube, selection, measure_keys, rows, periods):
    """{labels, datasets: [{label, unit, values}], by_period}: the measures that add up,
    per period when grouped by date, else per row (the first CHART_ROWS)."""
    charted = [key for key in measure_keys if cube.measure(key).rolls_up]
    if not charted:
        return {}
    if periods is not None:
        labels = [period_label(row.period, selection.level) for row in periods]
        figures = [queries.finish(cube, charted, row.components) for row in periods]
    else:
        shown = rows[:CHART_ROWS]
        labels = [" · ".join(row.labels) or str(cube.label) for row in shown]
        figures = [row.figures for row in shown]
    datasets = [
        {
            "key": key,
            "label": str(cube.measure(key).label),
            "unit": cube.measure(key).unit,
            "values": [_rounded(values.get(key)) for values in figures],
        }
        for key in charted
    ]
    return {"labels": labels, "datasets": datasets, "by_period": periods is not None}


def _periods_added_up(cube, measure_keys, rows):
    by_period = {}
    for row in rows:
        by_period.setdefault(row.period, []).append(row)
    return [
        Row(period, (), add_up_rows(cube, measure_keys, members)) for period, members in by_period.items()
    ]


def _rounded(value):
    return None if value is None else round(value, 2)


# --- Defaults and CSV -------------------------------------------------------------------------


def default_range(view: View, today: date):
    """The view's date range: its `days` up to today, both included, starting on a whole
    period of its level (a Monday, a 1st)."""
    start = today - timedelta(days=view.days - 1)
    return period_start(start, view.level) if view.level else start, today


def csv_header(cube, selection, measure_keys):
    header = ["period"] if selection.level else []
    for key in selection.dimensions:
        dimension = cube.dimension(key)
        header += [key, f"{key}_id"] if dimension.related else [key]
    header += list(measure_keys)
    return header


def csv_rows(cube, selection, measure_keys, source, chunk=2000):
    """Every row of the selection as CSV cells, streamed from the database in chunks
    (labels looked up once per chunk and dimension)."""
    grouped = grouped_for(cube, selection, source)
    measures = measures_for(cube, measure_keys, source)
    records = grouped.rows(measures)
    if grouped.grouping:
        records = records.iterator(chunk_size=chunk)
    batch = []
    for record in records:
        batch.append(record)
        if len(batch) == chunk:
            yield from _csv_cells(cube, selection, measure_keys, batch)
            batch = []
    yield from _csv_cells(cube, selection, measure_keys, batch)


def _csv_cells(cube, selection, measure_keys, records):
    rows = _rows_from(cube, selection, measure_keys, records)
    labels = {
        key: value_labels(cube, key, {row.values[index] for row in rows})
        for index, key in enumerate(selection.dimensions)
    }
    for row in rows:
        cells = [period_label(row.period, selection.level)] if selection.level else []
        for index, key in enumerate(selection.dimensions):
            value = row.values[index]
            cells.append(labels[key].get(value, value))
            if cube.dimension(key).related:
                cells.append("" if value is None else value)
        figures = queries.finish(cube, measure_keys, row.components)
        cells += ["" if figures[key] is None else _rounded(figures[key]) for key in measure_keys]
        yield cells
