"""The cleanup benchmark at tiny scale, so that it cannot rot (PostgreSQL only)."""

import pytest
from django.db import connection

from campaign import benchmarking
from campaign.benchmarks import Cleanup

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark needs PostgreSQL")
def test_the_tiny_benchmark_purges_the_same_rows_as_one_delete():
    try:
        outcome = benchmarking.run("cleanup", "tiny")
    finally:
        Cleanup().cleanup_tables()
    assert outcome.same_result, (outcome.ours_result, outcome.baseline_result)
    result = outcome.ours_result
    assert result["expired"] > 0
    assert result["oldest_is_cutoff"] is True
    assert result["remaining"] > 0
    assert outcome.figures["ours: batches"] >= 1
    assert "Delivery logs" in outcome.figures["ours: journal"]
    assert outcome.peak_memory_mb < 200
