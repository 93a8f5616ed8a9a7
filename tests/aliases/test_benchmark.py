"""The aliasCleansing benchmark at tiny scale, so that it cannot rot (PostgreSQL only)."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_alias_cleansing_benchmark_runs_at_tiny_scale_with_the_same_result(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL")
    call_command("benchmark", "aliasCleansing", "--scale", "tiny")
    out = capsys.readouterr().out
    assert "== aliasCleansing (tiny)" in out
    assert "same result: True" in out
    assert "ours: rows rewritten" in out and "baseline: transaction s" in out
    rewritten = int(out.split("ours: rows rewritten: ")[1].split()[0])
    total = int(out.split("same result: True (")[1].split('"total": ')[1].split(",")[0])
    assert rewritten == total > 0
