"""The offerMgt benchmark at tiny scale, so that it cannot rot (PostgreSQL only)."""

import re

import pytest
from django.core.management import call_command
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_offer_mgt_benchmark_runs_at_tiny_scale_with_the_same_result(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL")
    call_command("benchmark", "offerMgt", "--scale", "tiny")
    out = capsys.readouterr().out
    assert "== offerMgt (tiny)" in out
    assert "same result: True" in out
    assert "ours: queries on the offer tables" in out and "baseline: statements" in out
    changes = int(re.search(r"ours: changes: (\d+)", out).group(1))
    assert changes > 0
