"""The two cube benchmarks at tiny scale, so that they cannot rot (PostgreSQL only)."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("name", ["agg_nmspropositionrcp_full", "agg_messageCenter_full"])
def test_the_cube_benchmarks_run_at_tiny_scale_with_the_same_result(capsys, name):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL")
    call_command("benchmark", name, "--scale", "tiny")
    out = capsys.readouterr().out
    assert f"== {name} (tiny)" in out
    assert "same result: True" in out
    assert "ms (read from the aggregate)" in out
    rows = int(out.split('"rows": ')[1].split(",")[0])  # of the first table
    assert rows > 0
