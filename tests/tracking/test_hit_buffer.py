"""The web process's buffer of raw hits (PostgreSQL): hits answered at once, written by
the flusher thread with COPY, kept while the database cannot be reached, and written
when the web server stops."""

import http.client
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from campaign.choices import TrackingKind
from campaign.devtools.ports import free_port, listening
from campaign.devtools.processes import child_env
from campaign.models import TrackingHit
from campaign.tracking import hits, tokens
from tests.live import wait_until

from .conftest import KEY, NOW

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

# A user agent with every character COPY's text format escapes, and a NUL (dropped).
ODD_AGENT = "Agent\\with\tTab\nand\rCR \x00é 'quoted' \"double\" \\N"
STORED_AGENT = ODD_AGENT.replace("\x00", "")


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the buffer is PostgreSQL's (SQLite writes each hit with its request)")
    yield
    hits.buffer.stop()  # the flusher thread's connection closed before the database goes


def hits_of(delivery):
    return TrackingHit.objects.filter(delivery=delivery).count()


def cut_connection():
    """Terminate the database connection this thread (so a flush here) uses, from a
    second connection, as a restarted or unreachable server would."""
    import psycopg2

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    other = psycopg2.connect(**connection.get_connection_params())
    try:
        other.autocommit = True
        other.cursor().execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def agents_of(delivery):
    return sorted(TrackingHit.objects.filter(delivery=delivery).values_list("user_agent", flat=True))


def row(hit, user_agent="bench"):
    return hits.hit_row(hit, user_agent, NOW)


@pytest.fixture
def opened(tracking):
    delivery = tracking.delivery()
    log = tracking.logs(delivery, 1)[0]
    url = tracking.url(delivery, TrackingKind.OPEN)
    token = tracking.token(log, url)
    return delivery, token, tokens.read(token, tokens.Purpose.OPEN).hit


def test_pixels_are_answered_at_once_and_written_by_the_flusher_with_their_fields(client, opened, settings):
    settings.TRACKING_HIT_BUFFER_MS = 20
    delivery, token, hit = opened
    for _ in range(25):
        assert (
            client.get(reverse("tracking_public:open", args=[token]), HTTP_USER_AGENT=ODD_AGENT).status_code
            == 200
        )
    wait_until(lambda: hits_of(delivery) >= 25, 5, "the flusher wrote no hits")
    assert hits_of(delivery) == 25
    stored = TrackingHit.objects.filter(delivery=delivery)
    assert set(stored.values_list("user_agent", flat=True)) == {STORED_AGENT}
    assert set(stored.values_list("delivery_log_id", "url_id", "kind", "profile_id")) == {
        (hit.delivery_log_id, hit.url_id, "open", hit.profile_id)
    }
    assert hits.buffer.pending() == 0
    hits.buffer.stop()
    assert "tracking-hit-flusher" not in {thread.name for thread in threading.enumerate()}


def test_hits_wait_in_the_buffer_while_the_database_is_unreachable_then_are_written(opened):
    delivery, _token, hit = opened
    buffer = hits.HitBuffer()  # no flusher thread: this test flushes
    for _ in range(3):
        buffer.keep(row(hit), limit=100)
    cut_connection()
    assert buffer.flush() == 0
    assert buffer.pending() == 3 and hits_of(delivery) == 0
    assert buffer.flush() == 3  # reconnected
    assert buffer.pending() == 0 and hits_of(delivery) == 3


def test_hits_kept_through_an_outage_stay_within_the_limit(opened):
    delivery, _token, hit = opened
    buffer = hits.HitBuffer()
    for n in range(3):
        buffer.keep(row(hit, user_agent=f"agent {n}"), limit=3)
    cut_connection()
    assert buffer.flush() == 0
    buffer.keep(row(hit, user_agent="agent 3"), limit=3)
    assert buffer.pending() == 3 and buffer.dropped == 1
    assert buffer.flush() == 3
    assert agents_of(delivery) == ["agent 1", "agent 2", "agent 3"]


def test_a_full_buffer_drops_its_oldest_hits_and_counts_them(opened):
    delivery, _token, hit = opened
    buffer = hits.HitBuffer()
    for n in range(5):
        buffer.keep(row(hit, user_agent=f"agent {n}"), limit=3)
    assert buffer.pending() == 3 and buffer.dropped == 2
    assert buffer.flush() == 3
    assert agents_of(delivery) == ["agent 2", "agent 3", "agent 4"]
    assert buffer.dropped == 0  # logged with the flush


def test_a_batch_the_database_refuses_is_dropped_and_does_not_block_the_next(opened):
    delivery, _token, hit = opened
    buffer = hits.HitBuffer()
    out_of_range = (*row(hit)[:4], 2**63, *row(hit)[5:])  # no bigint holds this profile id
    buffer.keep(out_of_range, limit=100)
    assert buffer.flush() == 0
    assert buffer.pending() == 0 and hits_of(delivery) == 0
    buffer.keep(row(hit), limit=100)
    assert buffer.flush() == 1 and hits_of(delivery) == 1


@pytest.mark.slow  # starts gunicorn
def test_a_web_server_stopped_by_sigterm_writes_what_its_workers_buffered(opened):
    delivery, token, _hit = opened
    port = free_port()
    env = child_env(
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1",
        TRACKING_ENABLED="true",
        TRACKING_SIGNING_KEY=KEY,
        TRACKING_HIT_BUFFER_MS="600000",  # no flush in the test's time: only the one at exit
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    server = subprocess.Popen(
        [gunicorn, "campaign.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2", "-k", "gthread"]
        + ["--threads", "2", "--log-level", "warning"],
        env=env,
        cwd=settings.BASE_DIR,
    )
    try:
        wait_until(lambda: listening(port), 30, "gunicorn did not start")
        path = reverse("tracking_public:open", args=[token])
        for _ in range(30):
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            client.request("GET", path)
            response = client.getresponse()
            assert response.status == 200 and response.read()
            client.close()
        assert hits_of(delivery) == 0  # all buffered
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
    assert hits_of(delivery) == 30
