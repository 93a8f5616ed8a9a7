"""Generated tracking: tracking URLs of the sent email and push deliveries (the first
of each is its open pixel) and raw hits made by profiles that received the delivery,
after their log, consolidated on the next full hour unless less than two hours old.

URL number i belongs to the trackable delivery (i - 1) % trackable + 1 of the plan, as
its ((i - 1) / trackable)-th URL: hits find their URL ids from that alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .deliveries import DeliveryPlan, delivery_plan, success_log_offset
from .run import GenerationError
from .sql import choose, expand, literals, numbered, weighted
from .vocabulary import DAY, HOUR, USER_AGENTS

if TYPE_CHECKING:
    from workflows.plugins import Generation

HIT_PLAN_TABLE = "datagen_hit_plan"


def url_kind(generation: Generation, url_number: str, position: str) -> str:
    """SQL: the kind of tracking URL number `url_number`, its delivery's `position`-th."""
    kind = weighted(
        generation.random(url_number, "ukind"), [(85, "'click'"), (8, "'optout'"), (7, "'mirror'")]
    )
    return f"CASE WHEN {position} = 0 THEN 'open' ELSE {kind} END"


def tracking_urls(generation: Generation) -> int:
    total, trackable = generation.count("tracking_urls"), delivery_plan(generation).trackable
    if total and not trackable:
        raise GenerationError("tracking URLs need sent email or push deliveries; raise deliveries")
    if not total:
        return 0
    plan, first_url = delivery_plan(generation).table, generation.first_id("campaign.TrackingUrl")
    click = choose(
        generation.random("x.i", "ulabel"),
        literals(["Shop now", "See the offer", "Read more", "Find a store", "Download the app"]),
    )
    path = choose(
        generation.random("x.i", "upath"), literals(["shop", "offers", "blog/news", "stores", "app"])
    )
    label = (
        "CASE x.kind WHEN 'open' THEN 'Open tracking' WHEN 'optout' THEN 'Unsubscribe' "
        f"WHEN 'mirror' THEN 'Mirror page' ELSE {click} END"
    )
    url = (
        "CASE x.kind WHEN 'open' THEN 'https://t.example.com/o/' || x.delivery_id "
        "WHEN 'optout' THEN 'https://www.example.com/unsubscribe?d=' || x.delivery_id "
        "WHEN 'mirror' THEN 'https://www.example.com/mirror/' || x.delivery_id "
        f"ELSE 'https://www.example.com/' || {path} || '?utm_campaign=d' || x.delivery_id END"
    )
    kind = url_kind(generation, "series.i", f"(series.i - 1) / {trackable}")

    def statement(first_row: int, last_row: int) -> str:
        return (
            "INSERT INTO campaign_trackingurl (id, delivery_id, label, url, kind) "
            f"SELECT {numbered(first_url, 'x.i')}, x.delivery_id, {label}, {url}, x.kind FROM ("
            f"SELECT series.i, p.id AS delivery_id, {kind} AS kind "
            f"FROM {generation.dialect.series(first_row, last_row)} "
            f"JOIN {plan} p ON p.trackable_number = (series.i - 1) % {trackable} + "
            f"1{generation.dialect.fence}) x"
        )

    with generation.bulk_load("campaign.TrackingUrl", total):
        return generation.insert_chunks("tracking urls", total, statement)


def tracking_hits(generation: Generation) -> int:
    """Hits shared out among the trackable deliveries in proportion to their successful
    logs; each comes from the profile of one of those logs, after it."""
    total, plan = generation.count("tracking_hits"), delivery_plan(generation)
    weight = "CASE WHEN trackable THEN success_count ELSE 0 END"
    total_weight = plan.total_weight(generation, weight)
    if total and not total_weight:
        raise GenerationError(
            "tracking hits need successful email or push delivery logs; raise delivery_logs"
        )
    if not total:
        return 0
    plan.share_out(generation, HIT_PLAN_TABLE, total, weight, total_weight)
    source, where = expand(generation, HIT_PLAN_TABLE, "slice_count")
    window, fence, random = generation.window_seconds, generation.dialect.fence, generation.random
    urls, trackable = generation.count("tracking_urls"), plan.trackable or 1
    first_hit, first_url = (
        generation.first_id("campaign.TrackingHit"),
        generation.first_id("campaign.TrackingUrl"),
    )
    # The URLs of a delivery: those numbered trackable_number + trackable * position.
    url_count = (
        f"CASE WHEN p.trackable_number <= {urls} THEN ({urls} - p.trackable_number) / {trackable} + 1 "
        "ELSE 0 END"
    )
    user_agent = choose("d.agent_roll", literals(USER_AGENTS))
    start = generation.window_start
    consolidated = (
        f"CASE WHEN d.hit_offset < {window - 2 * HOUR} THEN "
        + generation.dialect.timestamp(f"{start} + d.hit_offset - ({start} + d.hit_offset) % {HOUR} + {HOUR}")
        + " END"
    )
    delay = generation.dialect.least(str(3 * DAY), f"{window} - c.log_event_offset")

    def statement(first_row: int, last_row: int) -> str:
        return (
            "INSERT INTO campaign_trackinghit (id, delivery_id, url_id, profile_table, profile_id, kind, "
            "hit_at, user_agent, consolidated_at) "
            f"SELECT d.id, d.delivery_id, {numbered(first_url, 'd.url_number')}, d.target_table, "
            "d.profile_id, "
            f"CASE WHEN d.url_position IS NULL THEN 'open' "
            f"ELSE {url_kind(generation, 'd.url_number', 'd.url_position')} END, "
            f"{generation.timestamp('d.hit_offset')}, {user_agent}, {consolidated} FROM ("
            f"SELECT c.*, c.log_event_offset + c.delay_roll % {delay} AS hit_offset, "
            f"c.trackable_number + {trackable} * c.url_position AS url_number FROM ("
            f"SELECT b.*, {success_log_offset(generation, 'b')} AS log_event_offset, "
            "CASE WHEN b.url_count = 0 THEN NULL WHEN b.url_roll % 2 = 0 THEN 0 "
            "ELSE b.url_roll / 2 % b.url_count END AS url_position FROM ("
            "SELECT a.*, a.profile_base + a.profile_index AS profile_id, "
            "a.log_offset + a.target_number AS log_number, "
            f"{random('a.hit_number', 'hdelay')} AS delay_roll, "
            f"{random('a.hit_number', 'hua')} AS agent_roll, "
            f"{random('a.hit_number', 'hurl')} AS url_roll FROM ("
            f"SELECT x.*, {DeliveryPlan.target_index('x', 'x.target_number')} AS profile_index FROM ("
            f"SELECT {numbered(first_hit, 'p.slice_offset + g.k')} AS id, "
            "p.slice_offset + g.k AS hit_number, "
            "p.id AS delivery_id, p.target_table, p.profile_base, p.first_index, p.start_index, p.stride, "
            "p.index_range, p.log_offset, p.start_offset, p.short_spread, p.trackable_number, "
            f"{url_count} AS url_count, "
            f"1 + {random('p.slice_offset + g.k', 'hlog')} % p.success_count AS target_number "
            f"FROM {source} WHERE {where} AND p.slice_count > 0 AND p.slice_offset >= {first_row - 1} "
            f"AND p.slice_offset < {last_row}{fence}) x{fence}) a{fence}) b{fence}) c{fence}) d"
        )

    with generation.bulk_load("campaign.TrackingHit", total):
        return generation.insert_chunks("tracking hits", total, statement)
