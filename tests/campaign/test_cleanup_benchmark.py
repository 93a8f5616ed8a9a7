"""The cleanup benchmark at tiny scale, so that it cannot rot (PostgreSQL only)."""

import pytest
from django.db import connection

from campaign.benchmarks import SAVED, STATE
from campaign.devtools import benchmarking

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark needs PostgreSQL")
def test_the_tiny_benchmark_purges_the_same_rows_as_one_delete():
    outcome = benchmarking.run("cleanup", "tiny")
    assert outcome.same_result, (outcome.ours_result, outcome.baseline_result)
    result = outcome.ours_result
    assert result["expired"] > 0
    assert result["oldest_is_cutoff"] is True
    assert result["remaining"] > 0
    assert outcome.figures["ours: batches"] >= 1
    assert "Delivery logs" in outcome.figures["ours: journal"]
    assert outcome.peak_memory_mb < outcome.target_memory_mb == 200
    # The state table and the copy of the expired rows are dropped afterwards.
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s), to_regclass(%s)", [STATE, SAVED])
        assert cursor.fetchone() == (None, None)
