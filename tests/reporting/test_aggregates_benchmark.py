"""The reportingAggregates benchmark at tiny scale, so that it cannot rot (PostgreSQL)."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_reporting_aggregates_benchmark_runs_at_tiny_scale_with_the_same_result(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL")
    call_command("benchmark", "reportingAggregates", "--scale", "tiny")
    out = capsys.readouterr().out
    assert "== reportingAggregates (tiny)" in out
    assert "same result: True" in out
    rows = int(out.split('"delivery_days": [')[1].split(",")[0])
    assert rows > 0
