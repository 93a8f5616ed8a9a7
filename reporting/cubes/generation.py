"""The cubes app's tables for `generate_data` and the demo (declared in
contributions.py), built with the core's toolkit (campaign.devtools.datagen):

- archived Message Center events: first the queue's events (campaign.Event, as the
  intake would have archived them), then older events whose queue rows are gone, spread
  over the year before the queue's 30 days like a running platform's traffic (mostly
  daytime; 2 % older than 360 days, so that a first cleanup purges a small share), with
  final statuses (sent 86 %, failed 5 %, ignored 3 %, expired 2 %, not covered 2 %,
  processed 2 %) and processing times of seconds, some minutes, a few an hour;
- the two Full aggregates, built as their workflows build them (count 1: build them),
  so that the reports read an aggregate from the start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from campaign.devtools.datagen.sql import case, choose, weighted
from campaign.devtools.datagen.vocabulary import DAY, DOMAINS, HOUR
from campaign.models import EventType

from . import aggregates, archive
from .definitions import CUBES

if TYPE_CHECKING:
    from workflows.plugins import Generation

QUEUE_DAYS = 30  # the queue's own retention: older events live in the archive only
ARCHIVE_DAYS = 360
OLDER_PERCENT = 2  # beyond the archive's retention: what a first cleanup purges


def archived_events(generation: Generation) -> int:
    copied = archive.sync()
    total = generation.count("archived_events")
    if not total:
        return copied
    random, fence = generation.random, generation.dialect.fence
    first_id = generation.one("SELECT COALESCE(MAX(id), 0) + 1 FROM cubes_archivedevent")[0]
    type_ids = [str(pk) for pk in EventType.objects.order_by("pk").values_list("pk", flat=True)]
    now = generation.window_start + generation.window_seconds
    # Whole days back (then a time of that day): after the queue's 30 days, up to the
    # archive's 360, a few beyond.
    span = ARCHIVE_DAYS - QUEUE_DAYS
    back = (
        f"CASE WHEN a.day_roll % 100 < {OLDER_PERCENT} THEN {ARCHIVE_DAYS + 1} + a.day_roll / 100 % 15 "
        f"ELSE {QUEUE_DAYS + 1} + a.day_roll / 100 % {span} END"
    )
    # Four in five events between 07:00 and 21:00 UTC.
    second = (
        f"CASE WHEN a.hour_roll % 5 < 4 THEN {7 * HOUR} + a.hour_roll / 5 % {14 * HOUR} "
        f"ELSE a.hour_roll / 5 % {DAY} END"
    )
    received = f"(({now} - ({back}) * {DAY}) / {DAY}) * {DAY} + {second} - {generation.window_start}"
    status = weighted(
        "b.status_roll",
        [
            (86, "'sent'"),
            (5, "'failed'"),
            (3, "'ignored'"),
            (2, "'expired'"),
            (2, "'not_covered'"),
            (2, "'processed'"),
        ],
    )
    seconds = weighted(
        "b.time_roll",
        [
            (70, "1 + b.time_roll / 100 % 10"),
            (25, "10 + b.time_roll / 100 % 110"),
            (5, "120 + b.time_roll / 100 % 3480"),
        ],
    )
    channel = weighted("b.channel_roll", [(75, "'email'"), (15, "'sms'"), (10, "'push'")])
    channel_id = case("c.channel", {code: generation.channels[code].pk for code in ("email", "sms", "push")})
    domain = weighted(random("c.i", "adomain"), [(weight, f"'{name}'") for weight, name in DOMAINS])
    email = f"CASE WHEN c.channel = 'sms' THEN '' ELSE 'guest' || c.i || '@' || {domain} END"
    phone = "CASE WHEN c.channel = 'sms' THEN '+336' || (10000000 + c.i % 89999999) ELSE '' END"
    errors = "CASE c.status WHEN 'failed' THEN 1 + c.i % 3 WHEN 'expired' THEN 5 ELSE 0 END"
    payload = generation.dialect.json("'{\"reference\": \"AR' || c.i || '\"}'")
    scheduled = f"CASE WHEN c.i % 20 = 0 THEN {generation.timestamp('c.received + 3600')} END"

    def statement(first_row: int, last_row: int) -> str:
        return (
            "INSERT INTO cubes_archivedevent (id, event_id, event_type_id, channel_id, status, email, "
            "mobile_phone, scheduled_at, profile_table, profile_id, created_at, processed_at, error_count, "
            "payload, intake_key_id) "
            f"SELECT {first_id - 1} + c.i, NULL, {choose('c.type_roll', type_ids)}, {channel_id}, c.status, "
            f"{email}, {phone}, {scheduled}, '', NULL, {generation.timestamp('c.received')}, "
            f"{generation.timestamp('c.received + c.seconds')}, {errors}, {payload}, NULL FROM ("
            f"SELECT b.*, {status} AS status, {seconds} AS seconds, {channel} AS channel FROM ("
            f"SELECT a.i, a.type_roll, {received} AS received, {random('a.i', 'astatus')} AS status_roll, "
            f"{random('a.i', 'atime')} AS time_roll, {random('a.i', 'achannel')} AS channel_roll FROM ("
            f"SELECT i, {random('i', 'aday')} AS day_roll, {random('i', 'ahour')} AS hour_roll, "
            f"{random('i', 'atype')} AS type_roll "
            f"FROM {generation.dialect.series(first_row, last_row)}{fence}) a{fence}) b{fence}) c"
        )

    if not type_ids:
        return copied
    with generation.bulk_load("cubes.ArchivedEvent", total):
        return copied + generation.insert_chunks("archived_events", total, statement)


def cube_aggregates(generation: Generation) -> int:
    """Build every cube's aggregate at the generation's `now` (count 0: leave them)."""
    if not generation.count("cube_aggregates"):
        return 0
    return sum(aggregates.rebuild(cube, generation.now).build.rows for cube in CUBES)
