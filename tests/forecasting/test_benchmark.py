"""The forecasting benchmark at tiny scale, so that it cannot rot (PostgreSQL only): our
build and the hand-written SQL give the same forecast logs and exclusions."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_forecasting_benchmark_runs_at_tiny_scale_with_the_same_result(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL")
    call_command("benchmark", "forecasting", "--scale", "tiny")
    out = capsys.readouterr().out
    assert "== forecasting (tiny)" in out
    assert "same result: True" in out
    assert "baseline: exclusions s" in out and "ours: build s" in out
    logs = int(out.split('"logs": ')[1].split(",")[0])
    exclusions = int(out.split('"exclusions": ')[1].split(",")[0])
    assert logs > 20 * 200 * 0.3 * 0.9  # 20 deliveries, each at least about 30 % of 200
    assert exclusions > 0
