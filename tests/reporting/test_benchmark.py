"""The activeProfiles benchmark at tiny scale, so that it cannot rot (PostgreSQL only)."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_active_profiles_benchmark_runs_at_tiny_scale_with_the_same_result(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL")
    call_command("benchmark", "activeProfiles", "--scale", "tiny")
    out = capsys.readouterr().out
    assert "== activeProfiles (tiny)" in out
    assert "same result: True" in out
    assert "ours: count + snapshot s" in out and "baseline: direct count s" in out
    assert "bootstrap / direct count (target <= 2)" in out
    total = int(out.split('"total": ')[1].split(",")[0])
    assert total > 0
