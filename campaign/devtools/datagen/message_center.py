"""Generated Message Center data: event types (the well-known ones first, then
"custom_event_N") and transactional events, about a third of them to known recipients,
the others to guest addresses; the last ten minutes' events are still pending.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from campaign.models import EventType

from .profiles import email, phone
from .sql import case, choose, literal, literals, numbered, weighted
from .vocabulary import DAY, DOMAINS, EVENT_TYPES

if TYPE_CHECKING:
    from workflows.plugins import Generation


def event_type_names(count: int) -> list[tuple[str, str]]:
    """(name, label) of the first `count` event types."""
    return [
        EVENT_TYPES[number - 1]
        if number <= len(EVENT_TYPES)
        else (f"custom_event_{number}", f"Custom event {number}")
        for number in range(1, count + 1)
    ]


def event_types(generation: Generation) -> int:
    """Reuse the event types that exist by name, create the others (a handful: the ORM)."""
    names = event_type_names(generation.count("event_types"))
    for name, label in names:
        EventType.objects.get_or_create(name=name, defaults={"label": label})
    return len(names)


def events(generation: Generation) -> int:
    total, window, fence = generation.count("events"), generation.window_seconds, generation.dialect.fence
    if not total:
        return 0
    random, recipients = generation.random, generation.count("recipients")
    first_recipient, first_event = (
        generation.first_id("campaign.Recipient"),
        generation.first_id("campaign.Event"),
    )
    active = max(1, recipients * 85 // 100)
    names = [name for name, _label in event_type_names(generation.count("event_types"))]
    type_ids = dict(EventType.objects.filter(name__in=names).values_list("name", "pk"))
    channel = weighted("a.channel_roll", [(75, "'email'"), (15, "'sms'"), (10, "'push'")])
    known = f"a.known_roll % 100 < 35 AND {recipients} > 0"
    created = (
        f"CASE WHEN a.time_roll % 100 < 3 THEN {window} - 1 - a.time_roll / 100 % {DAY} "
        f"ELSE a.time_roll / 100 % {window} END"
    )
    mix = weighted("b.status_roll", [(90, "'processed'"), (6, "'error'"), (4, "'ignored'")])
    status = f"CASE WHEN b.created_offset > {window - 600} THEN 'pending' ELSE {mix} END"
    guest_domain = weighted(random("b.i", "edomain"), [(weight, literal(name)) for weight, name in DOMAINS])
    address = (
        "CASE WHEN c.known THEN CASE c.channel "
        f"WHEN 'email' THEN {email(generation, 'c.profile_index', 'c.profile_id')} "
        f"WHEN 'sms' THEN {phone('c.profile_id')} ELSE 'push-' || c.profile_id END "
        "ELSE CASE c.channel WHEN 'email' THEN 'guest' || c.i || '@' || c.domain "
        "WHEN 'sms' THEN '+337' || (10000000 + c.i % 89999999) ELSE 'tok-' || c.i END END"
    )
    channel_id = case("c.channel", {code: generation.channels[code].pk for code in ("email", "sms", "push")})
    type_id = choose("c.type_roll", [str(type_ids[name]) for name in names])
    language = choose("c.type_roll / 7", literals(["fr", "en", "de"]))
    payload = generation.dialect.json(
        '\'{"reference": "EV\' || c.i || \'", "amount": \' || (c.type_roll / 100 % 50000) || '
        f"', \"lang\": \"' || {language} || '\"}}'"
    )
    errors = (
        "CASE c.status WHEN 'error' THEN 1 + c.status_roll / 100 % 3 WHEN 'processed' THEN "
        "CASE WHEN c.status_roll / 100 % 20 = 0 THEN 1 ELSE 0 END ELSE 0 END"
    )
    processed = (
        "CASE WHEN c.status = 'pending' THEN NULL ELSE c.created_offset + c.status_roll / 1000 % 120 END"
    )

    def statement(first_row: int, last_row: int) -> str:
        return (
            "INSERT INTO campaign_event (id, event_type_id, channel_id, status, email, profile_table, "
            "profile_id, created_at, processed_at, error_count, payload) "
            f"SELECT {numbered(first_event, 'c.i')}, {type_id}, {channel_id}, c.status, {address}, "
            "CASE WHEN c.known THEN 'recipient' ELSE '' END, CASE WHEN c.known THEN c.profile_id END, "
            f"{generation.timestamp('c.created_offset')}, {generation.timestamp(processed)}, {errors}, "
            f"{payload} FROM ("
            f"SELECT b.*, {status} AS status, {guest_domain} AS domain FROM ("
            f"SELECT a.*, {channel} AS channel, {known} AS known, {created} AS created_offset, "
            f"1 + a.profile_roll % {active} AS profile_index, "
            f"{first_recipient} + a.profile_roll % {active} AS profile_id FROM ("
            f"SELECT i, {random('i', 'echannel')} AS channel_roll, {random('i', 'eknown')} AS known_roll, "
            f"{random('i', 'etime')} AS time_roll, {random('i', 'eprofile')} AS profile_roll, "
            f"{random('i', 'estatus')} AS status_roll, {random('i', 'etype')} AS type_roll "
            f"FROM {generation.dialect.series(first_row, last_row)}{fence}) a{fence}) b{fence}) c"
        )

    with generation.bulk_load("campaign.Event", total):
        return generation.insert_chunks("events", total, statement)
