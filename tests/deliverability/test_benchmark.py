"""The deliverability benchmarks at tiny scale, so that they cannot rot (PostgreSQL only)."""

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("name", ["lastSuccesses", "lastSuccessesDaily"])
def test_the_successes_benchmarks_run_at_tiny_scale_with_the_same_result(name, capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL")
    call_command("benchmark", name, "--scale", "tiny")
    out = capsys.readouterr().out
    assert f"== {name} (tiny)" in out
    assert "same result: True" in out
    stamped = int(out.split('"stamped": ')[1].split(",")[0])
    assert stamped > 0
