"""Cube declarations (workflows.plugins): a bad declaration fails where it is written,
and a declared aggregate must have the columns its cube says (system check)."""

import dataclasses

import pytest
from django.db.models import Q

from reporting.cubes import checks
from reporting.cubes.definitions import PROPOSITIONS
from workflows.plugins import Cube, CubeDimension, CubeMeasure


def test_bad_measures_and_dimensions_are_refused_where_declared():
    with pytest.raises(ValueError, match="unknown function"):
        CubeMeasure("x", "X", "median", field="a")
    with pytest.raises(ValueError, match="numerator and a denominator"):
        CubeMeasure("x", "X", "ratio", numerator="a")
    with pytest.raises(ValueError, match="needs a field"):
        CubeMeasure("x", "X", "sum")
    with pytest.raises(ValueError, match="fraction between 0 and 1"):
        CubeMeasure("x", "X", "percentile", field="a", fraction=95)
    with pytest.raises(ValueError, match="unknown date levels"):
        CubeDimension("d", "D", "at", date_levels=("fortnight",))


def test_bad_cubes_are_refused_where_declared():
    date = CubeDimension("date", "Date", "at", date_levels=CubeDimension.LEVELS)
    count = CubeMeasure("n", "N", "count")
    with pytest.raises(ValueError, match="count measure without a filter"):
        Cube("c", 1, "C", "a.B", (date,), (CubeMeasure("n", "N", "count", filter=Q(a=1)),))
    with pytest.raises(ValueError, match="divides unknown"):
        Cube(
            "c",
            1,
            "C",
            "a.B",
            (date,),
            (count, CubeMeasure("r", "R", "ratio", numerator="n", denominator="z")),
        )
    with pytest.raises(ValueError, match="unknown dimensions"):
        Cube("c", 1, "C", "a.B", (date,), (count,), aggregate="a.Agg", aggregate_dimensions=("date", "shop"))
    with pytest.raises(ValueError, match="a day or coarser"):
        Cube("c", 1, "C", "a.B", (date,), (count,), aggregate="a.Agg", aggregate_level="hour")
    shop = CubeDimension("shop", "Shop", "shop")
    with pytest.raises(ValueError, match="groups by what the aggregate does not"):
        Cube(
            "c",
            1,
            "C",
            "a.B",
            (date, shop),
            (count,),
            aggregate="a.Agg",
            aggregate_dimensions=("date",),
            summaries=(Cube.Summary("a.S", ("shop",), "month"),),
        )
    with pytest.raises(ValueError, match="cannot be by hour"):
        Cube(
            "c",
            1,
            "C",
            "a.B",
            (date, shop),
            (count,),
            aggregate="a.Agg",
            aggregate_dimensions=("date", "shop"),
            summaries=(Cube.Summary("a.S", ("shop",), "hour"),),
        )


def test_an_aggregate_without_a_declared_column_fails_the_system_check(monkeypatch):
    assert checks.check_cubes() == []
    extra = CubeMeasure("shown", "Shown", "count", filter=Q(status="presented"))
    broken = dataclasses.replace(PROPOSITIONS, measures=(*PROPOSITIONS.measures, extra))
    monkeypatch.setattr(checks, "cubes", lambda: [broken])
    problems = checks.check_cubes()
    # The aggregate and its two summaries all lack it.
    assert [p.id for p in problems] == ["cubes.E002"] * 3
    assert "cubes.PropositionAggregate has no column 'shown'" in " ".join(p.msg for p in problems)
    monkeypatch.setattr(checks, "cubes", lambda: [dataclasses.replace(PROPOSITIONS, fact="offers.Nothing")])
    assert [p.id for p in checks.check_cubes()] == ["cubes.E001"]
