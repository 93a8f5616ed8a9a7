"""The event intake (POST /p/cubes/events/): API keys, one event or a batch, clear 4xx
errors naming the field, nothing stored on a refusal, size and rate limits."""

import json

import pytest
import time_machine
from django.utils import timezone

from campaign import configuration
from campaign.models import Event
from reporting.cubes.endpoint import MAX_BODY_BYTES
from reporting.cubes.models import ArchivedEvent, IntakeKey, IntakeWindow

from .conftest import NOW

pytestmark = pytest.mark.django_db

URL = "/p/cubes/events/"
ORDER = "order_confirmation"


@pytest.fixture
def secret(cube_world):
    cube_world.event_type()
    cube_world.event_type("password_reset", "Password reset")
    return cube_world.key()[1]


def push(client, body, secret=None, content_type="application/json", **headers):
    if secret:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type, **headers)


def errors(response):
    return [(e["index"], e["field"]) for e in response.json()["errors"]]


def test_one_event_is_stored_in_the_queue_and_the_archive_and_its_id_returned(client, secret):
    event = {
        "type": "order_confirmation",
        "email": "ann@example.com",
        "scheduled": "2026-06-01T09:00:00+02:00",
        "payload": {"order": "A-1042", "lines": [1, 2]},
    }
    response = push(client, event, secret)
    assert response.status_code == 201, response.content
    (archived_id,) = response.json()["ids"]
    archived = ArchivedEvent.objects.get(pk=archived_id)
    queued = Event.objects.get(pk=archived.event_id)
    assert (queued.status, queued.email, queued.channel.code) == ("pending", "ann@example.com", "email")
    assert queued.payload == {"order": "A-1042", "lines": [1, 2]}
    assert archived.event_type.name == "order_confirmation"
    assert timezone.localtime(archived.scheduled_at).isoformat().startswith("2026-06-01T09:00:00")
    assert archived.intake_key.name == "web shop"
    assert IntakeKey.objects.get().last_used_at is not None


def test_a_batch_returns_every_id_in_order(client, secret):
    batch = [
        {"type": ORDER, "email": "a@example.com"},
        {"type": "password_reset", "channel": "sms", "mobilePhone": "+33 6 12 34 56 78"},
        {"type": "password_reset", "channel": "push", "email": "c@example.com"},
    ]
    response = push(client, batch, secret)
    assert response.status_code == 201
    ids = response.json()["ids"]
    assert response.json()["count"] == 3 and ids == sorted(ids)
    archived = ArchivedEvent.objects.in_bulk(ids)
    queue = Event.objects.in_bulk([archived[pk].event_id for pk in ids])
    second = queue[archived[ids[1]].event_id]
    assert (second.event_type.name, second.channel.code, second.email) == (
        "password_reset",
        "sms",
        "+33 6 12 34 56 78",
    )
    assert archived[ids[1]].mobile_phone == "+33 6 12 34 56 78"
    assert len(queue) == 3


def test_an_unknown_event_type_is_refused_naming_the_field_and_nothing_is_stored(client, secret):
    batch = [{"type": ORDER, "email": "a@example.com"}, {"type": "birthday", "email": "b@x.org"}]
    response = push(client, batch, secret)
    assert response.status_code == 400
    assert errors(response) == [(1, "type")]
    assert "unknown event type 'birthday'" in response.json()["errors"][0]["message"]
    assert not Event.objects.exists() and not ArchivedEvent.objects.exists()
    assert not IntakeWindow.objects.exists()


@pytest.mark.parametrize(
    ("event", "field", "words"),
    [
        ({"email": "a@example.com"}, "type", "type is required"),
        ({"type": ORDER}, "email", "needs an email address"),
        ({"type": ORDER, "email": "not-an-address"}, "email", "not a valid email"),
        ({"type": ORDER, "channel": "sms", "email": "a@b.org"}, "mobilePhone", "needs a mobile"),
        ({"type": ORDER, "channel": "fax", "email": "a@b.org"}, "channel", "unknown Message Center"),
        ({"type": ORDER, "channel": "facebook", "email": "a@b.org"}, "channel", "unknown"),
        ({"type": ORDER, "email": "a@b.org", "scheduled": "tomorrow"}, "scheduled", "ISO 8601"),
        ({"type": ORDER, "email": "a@b.org", "scheduled": "2026-06-01T09:00"}, "scheduled", "offset"),
        ({"type": ORDER, "email": "a@b.org", "payload": [1]}, "payload", "JSON object"),
        ({"type": ORDER, "email": "a@b.org", "colour": "red"}, "colour", "unknown field"),
        ({"type": 12, "email": "a@b.org"}, "type", "must be a string"),
    ],
)
def test_bad_events_get_a_400_naming_the_field(client, secret, event, field, words):
    response = push(client, event, secret)
    assert response.status_code == 400
    assert (0, field) in errors(response)
    assert any(words in e["message"] for e in response.json()["errors"])
    assert not Event.objects.exists()


def test_bad_bodies(client, secret):
    response = push(client, "{not json", secret)
    assert response.status_code == 400 and "not valid JSON" in response.json()["errors"][0]["message"]
    assert push(client, "[]", secret).status_code == 400
    assert push(client, "42", secret).status_code == 400
    assert push(client, "type=x", secret, content_type="application/x-www-form-urlencoded").status_code == 415
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 405
    assert not Event.objects.exists()


def test_a_key_is_required_and_a_revoked_one_is_refused(client, cube_world, secret):
    event = {"type": ORDER, "email": "a@example.com"}
    response = push(client, event)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Bearer"
    assert push(client, event, "mc_not-a-key").status_code == 401
    assert push(client, event, secret[:-1]).status_code == 401
    assert push(client, event, HTTP_X_API_KEY=secret).status_code == 201
    IntakeKey.objects.get().revoke(None, NOW)
    response = push(client, event, secret)
    assert response.status_code == 401 and "revoked" in response.json()["errors"][0]["message"]
    assert Event.objects.count() == 1


def test_only_a_hash_of_the_key_is_stored(cube_world):
    key, secret = cube_world.key()
    stored = IntakeKey.objects.filter(pk=key.pk).values_list("name", "prefix", "key_hash").get()
    assert secret not in " ".join(stored) and secret.startswith(stored[1])
    assert IntakeKey.objects.for_secret(secret) == key


def test_size_limits(client, secret):
    configuration.save({"cubes.intake_batch_max": 2}, user=None)
    three = [{"type": ORDER, "email": f"p{n}@example.com"} for n in range(3)]
    response = push(client, three, secret)
    assert response.status_code == 413 and "at most 2" in response.json()["errors"][0]["message"]
    huge = {"type": ORDER, "email": "a@example.com", "payload": {"text": "x" * MAX_BODY_BYTES}}
    assert push(client, huge, secret).status_code == 413
    assert push(client, three[:2], secret).status_code == 201
    assert Event.objects.count() == 2


def test_the_rate_limit_refuses_a_request_past_the_minutes_allowance_whole(client, secret):
    configuration.save({"cubes.intake_events_per_minute": 5}, user=None)
    batch = [{"type": ORDER, "email": f"p{n}@example.com"} for n in range(3)]
    with time_machine.travel(NOW.replace(second=20), tick=False):
        assert push(client, batch, secret).status_code == 201
        response = push(client, batch, secret)  # 6 > 5
        assert response.status_code == 429
        assert response["Retry-After"] == "40"
        assert "at most 5 events per minute" in response.json()["errors"][0]["message"]
        assert push(client, batch[:2], secret).status_code == 201  # the refused 3 did not count
    with time_machine.travel(NOW.replace(minute=1), tick=False):
        assert push(client, batch, secret).status_code == 201  # a new minute
    assert Event.objects.count() == 3 + 2 + 3
    assert sorted(IntakeWindow.objects.values_list("events", flat=True)) == [3, 5]
