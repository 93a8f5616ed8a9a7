"""/healthz: public JSON of database, broker and beat liveness; 503 when any is down.
(A real beat process going dead is in tests/workflows/test_live_beat.py.)"""

from datetime import timedelta

import pytest
from django.utils import timezone

from workflows.models import BeatHeartbeat

pytestmark = pytest.mark.django_db


def test_no_beat_ever_seen_is_dead_and_unhealthy(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["beat"] == {"ok": False, "last_seen": None, "age_seconds": None}
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


def test_a_recent_beat_heartbeat_is_healthy_without_logging_in(client, settings):
    settings.BEAT_STALE_SECONDS = 60
    BeatHeartbeat.objects.create(identity="host pid 1", seen_at=timezone.now() - timedelta(seconds=10))
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["beat"]["ok"] is True
    assert 9 <= body["beat"]["age_seconds"] <= 12
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_newest_of_several_beats_counts_and_a_stale_one_is_dead(client, settings):
    settings.BEAT_STALE_SECONDS = 60
    now = timezone.now()
    BeatHeartbeat.objects.create(identity="old pid 1", seen_at=now - timedelta(minutes=30))
    BeatHeartbeat.objects.create(identity="new pid 2", seen_at=now - timedelta(seconds=90))
    response = client.get("/healthz")
    assert response.status_code == 503
    beat = response.json()["beat"]
    assert beat["ok"] is False
    assert 89 <= beat["age_seconds"] <= 92
    assert beat["stale_after_seconds"] == 60


def test_a_broker_that_cannot_be_reached_is_reported(client, monkeypatch):
    from campaign.celery import app

    BeatHeartbeat.objects.create(identity="host pid 1", seen_at=timezone.now())
    # A closed port on this machine: the connection is refused at once. (Celery reads
    # CELERY_BROKER_URL from the environment before its configuration.)
    unreachable = "redis://127.0.0.1:9/0"
    previous = app.conf.broker_url, app.conf.broker_transport_options
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable)
    app.conf.broker_url, app.conf.broker_transport_options = unreachable, {}
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = previous
    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False
    assert body["broker"]["error"]
    assert body["beat"]["ok"] is True
    monkeypatch.undo()  # the real broker again: the later tests send tasks through it
    assert client.get("/healthz").json()["broker"]["ok"] is True


def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405


def test_favicon_redirects_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("campaign/favicon.svg")
