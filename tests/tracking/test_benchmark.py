"""Tracking's benchmarks at tiny scale, so that they cannot rot: the open pixel under
gunicorn (wrk, or the Python client where wrk is not installed) against the minimal
view, and the consolidation against its hand-written SQL (PostgreSQL)."""

import pytest
from django.core.management import call_command
from django.db import connection

from campaign.models import Delivery, TrackingHit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.slow  # starts gunicorn and a load generator
def test_the_open_pixel_benchmark_runs_at_tiny_scale(capsys):
    call_command("benchmark", "openPixel", "--scale", "tiny")
    out = capsys.readouterr().out
    assert "== openPixel (tiny)" in out
    assert 'same result: True ({"every request answered": true, "errors": 0})' in out
    assert "throughput ratio ours/baseline" in out and "ours: raw hits written" in out
    # It cleans up after itself.
    assert not Delivery.objects.filter(label="openPixel benchmark").exists()
    assert not TrackingHit.objects.exists()


@pytest.mark.postgres
def test_the_consolidation_benchmark_runs_at_tiny_scale_with_the_same_result(capsys):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark needs PostgreSQL")
    call_command("benchmark", "tracking", "--scale", "tiny")
    out = capsys.readouterr().out
    assert "== tracking (tiny)" in out
    assert "same result: True" in out
    logs = int(out.split('"tracking_logs": ')[1].split(",")[0])
    assert logs > 0
