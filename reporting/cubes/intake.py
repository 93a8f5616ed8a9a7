"""Message Center event intake (Adobe's PushEvent / PushEvents): read, check and store
events; the HTTP side is in endpoint.py.

An event is a JSON object:

    {"type": "order_confirmation",          required, an event type's name
     "channel": "email",                    optional (email), a Message Center channel's code
     "email": "ann@example.com",            the email channel needs it
     "mobilePhone": "+33 6 12 34 56 78",    the sms channel needs it; others need one of the two
     "scheduled": "2026-06-01T09:00:00+02:00",  optional, with its offset
     "payload": {...}}                      optional, any JSON object (Adobe's <ctx>)

A request holds one event (an object) or a batch (an array of objects). Every event
is checked before anything is stored: one bad event refuses the whole request, with
one error per problem naming the event's index and the field. Stored events go to the
queue (campaign.Event, status pending) and to the archive in one transaction; their
archive ids come back in order.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction

from campaign.choices import EventStatus
from campaign.models import Channel, Event, EventType

from .models import ArchivedEvent, IntakeKey, IntakeWindow

FIELDS = ("type", "channel", "email", "mobilePhone", "scheduled", "payload")
DEFAULT_CHANNEL = "email"
PHONE = re.compile(r"^\+?[0-9][0-9 ().-]{4,30}$")
MAX_TEXT = 254


@dataclass(frozen=True)
class Problem:
    index: int | None
    field: str | None
    message: str

    def as_json(self):
        return {"index": self.index, "field": self.field, "message": self.message}


class Refused(Exception):
    """The request is refused as a whole: `status` (HTTP) and the problems."""

    def __init__(self, status, problems, retry_after=None):
        super().__init__(problems[0].message if problems else str(status))
        self.status = status
        self.problems = problems
        self.retry_after = retry_after


@dataclass
class Checked:
    """An event that passed every check, ready to store."""

    event_type_id: int
    channel_id: int
    email: str
    mobile_phone: str
    scheduled_at: datetime | None
    payload: dict = field(default_factory=dict)

    @property
    def address(self):
        """The queue keeps one address: the mobile number for a channel without email."""
        return self.email or self.mobile_phone


def events_of(document):
    """The list of events of a parsed JSON body (one object, or an array of them)."""
    if isinstance(document, dict):
        return [document]
    if isinstance(document, list):
        if not document:
            raise Refused(400, [Problem(None, None, "the batch is empty: send at least one event")])
        return document
    raise Refused(
        400, [Problem(None, None, "the body must be a JSON object (one event) or an array of them")]
    )


@dataclass(frozen=True)
class Lookups:
    """Event types by name and Message Center channels by code (two small queries)."""

    event_types: dict
    channels: dict

    @classmethod
    def load(cls):
        return cls(
            event_types=dict(EventType.objects.values_list("name", "pk")),
            channels={
                code: (pk, code)
                for pk, code in Channel.objects.filter(is_transactional_capable=True).values_list(
                    "pk", "code"
                )
            },
        )


def _text(item, name, index, problems):
    value = item.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(Problem(index, name, f"{name} must be a string"))
        return ""
    value = value.strip()
    if len(value) > MAX_TEXT:
        problems.append(Problem(index, name, f"{name} is longer than {MAX_TEXT} characters"))
    return value


def check_one(item, index, lookups: Lookups, problems):
    """A Checked event, or None with its problems added to `problems`."""
    before = len(problems)
    if not isinstance(item, dict):
        problems.append(Problem(index, None, "an event must be a JSON object"))
        return None
    for name in sorted(set(item) - set(FIELDS)):
        problems.append(Problem(index, name, f"unknown field {name!r} (known: {', '.join(FIELDS)})"))
    type_name = _text(item, "type", index, problems)
    if not type_name:
        problems.append(Problem(index, "type", "type is required (an event type's name)"))
    elif type_name not in lookups.event_types:
        problems.append(Problem(index, "type", f"unknown event type {type_name!r}"))
    channel_code = _text(item, "channel", index, problems) or DEFAULT_CHANNEL
    if channel_code not in lookups.channels:
        known = ", ".join(sorted(lookups.channels))
        problems.append(
            Problem(index, "channel", f"unknown Message Center channel {channel_code!r} (known: {known})")
        )
    email = _text(item, "email", index, problems)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(Problem(index, "email", f"{email!r} is not a valid email address"))
    phone = _text(item, "mobilePhone", index, problems)
    if phone and not PHONE.match(phone):
        problems.append(Problem(index, "mobilePhone", f"{phone!r} is not a valid mobile number"))
    if channel_code == "email" and not email:
        problems.append(Problem(index, "email", "the email channel needs an email address"))
    elif channel_code == "sms" and not phone:
        problems.append(Problem(index, "mobilePhone", "the sms channel needs a mobile number"))
    elif not email and not phone:
        problems.append(Problem(index, "email", "give an email address or a mobile number"))
    scheduled = _scheduled(item.get("scheduled"), index, problems)
    payload = item.get("payload", {})
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        problems.append(Problem(index, "payload", "payload must be a JSON object"))
    if len(problems) > before:
        return None
    return Checked(
        event_type_id=lookups.event_types[type_name],
        channel_id=lookups.channels[channel_code][0],
        email=email,
        mobile_phone=phone,
        scheduled_at=scheduled,
        payload=payload,
    )


def _scheduled(value, index, problems):
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        problems.append(Problem(index, "scheduled", "scheduled must be an ISO 8601 date and time string"))
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        problems.append(Problem(index, "scheduled", f"{value!r} is not an ISO 8601 date and time"))
        return None
    if moment.tzinfo is None:
        problems.append(Problem(index, "scheduled", f"{value!r} has no time zone offset (e.g. +02:00 or Z)"))
        return None
    return moment


def check(document, lookups: Lookups, batch_max):
    """The Checked events of a parsed body, or Refused (nothing is stored)."""
    items = events_of(document)
    if len(items) > batch_max:
        raise Refused(
            413,
            [Problem(None, None, f"{len(items)} events in one request: at most {batch_max} are accepted")],
        )
    problems = []
    checked = [check_one(item, index, lookups, problems) for index, item in enumerate(items)]
    if problems:
        raise Refused(400, problems)
    return checked


def count_against_limit(key, events, now, per_minute):
    """Add `events` to the key's current minute (one upsert, atomic on both databases);
    Refused (429) when the minute's total would pass `per_minute`. Call inside the
    storing transaction: a refused request is rolled back and does not count."""
    minute = now.replace(second=0, microsecond=0)
    table = IntakeWindow._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key_id, minute, events) VALUES (%s, %s, %s) "
            f"ON CONFLICT (key_id, minute) DO UPDATE SET events = {table}.events + excluded.events "
            "RETURNING events",
            [key.pk, connection.ops.adapt_datetimefield_value(minute), events],
        )
        total = cursor.fetchone()[0]
    if total > per_minute:
        raise Refused(
            429,
            [Problem(None, None, f"rate limit: at most {per_minute} events per minute for this key")],
            retry_after=60 - now.second,
        )
    return total


def store(checked, key, now, per_minute):
    """Store checked events in the queue and the archive; returns their archive ids, in
    order (Adobe's PushEvent returns the archived event's id: it lives 360 days)."""
    with transaction.atomic():
        count_against_limit(key, len(checked), now, per_minute)
        queued = Event.objects.bulk_create(
            Event(
                event_type_id=event.event_type_id,
                channel_id=event.channel_id,
                status=EventStatus.PENDING,
                email=event.address,
                created_at=now,
                payload=event.payload,
            )
            for event in checked
        )
        archived = ArchivedEvent.objects.bulk_create(
            ArchivedEvent(
                event_id=row.pk,
                event_type_id=event.event_type_id,
                channel_id=event.channel_id,
                status=EventStatus.PENDING,
                email=event.email,
                mobile_phone=event.mobile_phone,
                scheduled_at=event.scheduled_at,
                created_at=now,
                payload=event.payload,
                intake_key=key,
            )
            for row, event in zip(queued, checked, strict=True)
        )
        IntakeKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return [row.pk for row in archived]
