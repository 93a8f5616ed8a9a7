"""Generated deliveries and their logs, from the delivery plan.

The plan is a temporary table, one row per delivery, holding everything the tables
that hang off deliveries derive from it: channel, life (sent, provisional, scheduled,
being edited), start, state, target table and the range of profiles it targets, and
its slice of the delivery logs. Other generators read it through `delivery_plan()`
(tracking, the offers app's propositions). Its columns:

- number (1..deliveries), id, channel (code), life, state, deleted, start_offset
  (seconds after the window start), short_spread / long_spread (how long after the
  start successful / failed logs are spread over);
- target_table ("recipient", "cookie", "customer", "mobile"), target_group (the table,
  or "social": social channels target their own band of recipients);
- profile_base, first_index, index_range, start_index, stride: the k-th profile the
  delivery targets is `profile_base + target_index(k)`, walking its group's range
  with a prime stride so that no profile is targeted twice by one delivery;
- log_offset, log_count, success_count: its logs are the numbers log_offset + 1 …
  log_offset + log_count, the first success_count of them successful;
- trackable (a sent email or push delivery), trackable_number (1… among those);
- target_roll, weight_roll, position_roll, misc_roll: its pseudo-random numbers.

Recipients above 92 % of their block are never targeted; those between 85 % and 92 %
only by social channels. The first deliveries are a fixed showcase (see vocabulary).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .profiles import email, external_counts, external_first_ids, external_id, first_name_slug, phone
from .run import GenerationError
from .sql import (
    STRIDE_PRIMES,
    case,
    choose,
    expand,
    literal,
    literals,
    numbered,
    slices,
    weighted,
)
from .vocabulary import DAY, DELIVERY_THEMES, FAILED_MIX, FAILURES, HOUR, IGNORED_MIX, SHOWCASE

if TYPE_CHECKING:
    from workflows.plugins import Generation

PLAN_TABLE = "datagen_plan"
SHARED_KEY = "campaign.delivery_plan"
# Plan rolls outside 0..99 that force the target table of a showcase delivery.
FORCED_TARGET_ROLLS = {"cookie": 1001, "customer": 1002, "mobile": 1003}
# Target tables of the channels that may target external profiles: [(% of deliveries, kind)].
EXTERNAL_TARGETS = {
    "email": [(10, "cookie"), (10, "customer")],
    "sms": [(15, "customer")],
    "push": [(35, "mobile")],
}


@dataclass(frozen=True)
class DeliveryPlan:
    """The plan of this run's deliveries (see the module docstring for its columns)."""

    table: str
    trackable: int  # sent email and push deliveries

    @staticmethod
    def target_index(row: str, number: str) -> str:
        """SQL: the index in its target table (from 1) of the `number`-th profile the
        delivery of plan row `row` (an alias) targets."""
        return f"{row}.first_index + ({row}.start_index + {number} * {row}.stride) % {row}.index_range + 1"

    def total_weight(self, generation: Generation, weight: str) -> int:
        return int(generation.one(f"SELECT COALESCE(SUM({weight}), 0) FROM {self.table}")[0])

    def share_out(self, generation: Generation, into: str, rows: int, weight: str, total: int) -> None:
        """Create the temporary table `into`: the plan with each delivery's slice of
        `rows` in proportion to `weight` (SQL over the plan's columns, summing to
        `total`), as columns slice_offset and slice_count."""
        offset, count = slices(rows, "share_weight", "running_share_weight", total)
        generation.sql(f"DROP TABLE IF EXISTS {into}")
        generation.sql(
            f"CREATE TEMP TABLE {into} AS SELECT shares.*, {offset} AS slice_offset, {count} AS slice_count "
            "FROM (SELECT weights.*, CAST(SUM(share_weight) OVER (ORDER BY number ROWS UNBOUNDED PRECEDING) "
            "AS BIGINT) AS running_share_weight "
            f"FROM (SELECT plan.*, {weight} AS share_weight FROM {self.table} plan) weights) shares"
        )


def delivery_plan(generation: Generation) -> DeliveryPlan:
    """The plan the deliveries generator of this run made."""
    return generation.shared[SHARED_KEY]


def success_log_offset(generation: Generation, row: str) -> str:
    """SQL: the event time (offset) of a successful log; `row` has its plan columns and
    its log_number. Tracking hits recompute it to come after the log."""
    return f"{row}.start_offset + {generation.random(f'{row}.log_number', 'ltime')} % {row}.short_spread"


# --- the plan ---------------------------------------------------------------------------


class TargetGroup(NamedTuple):
    """Profiles a group of deliveries targets: ids profile_base + first_index + 1 … + size."""

    profile_base: int
    first_index: int
    size: int
    strides: list[int]


def target_groups(generation: Generation) -> dict[str, TargetGroup]:
    """Recipients below 85 % are targeted by any channel, 80-92 % by social ones, the
    rest never; 85 % of each external block is targeted."""
    recipients = generation.count("recipients")
    recipient_base = generation.first_id("campaign.Recipient") - 1
    social_low = recipients * 80 // 100
    ranges = {
        "recipient": (recipient_base, 0, max(1, recipients * 85 // 100)),
        "social": (recipient_base, social_low, max(1, recipients * 92 // 100 - social_low)),
    }
    first_ids = external_first_ids(generation)
    for kind, count in external_counts(generation).items():
        ranges[kind] = (first_ids[kind] - 1, 0, max(1, count * 85 // 100))
    return {
        key: TargetGroup(base, low, size, [prime for prime in STRIDE_PRIMES if size % prime][:4])
        for key, (base, low, size) in ranges.items()
    }


def _plan_rows(generation: Generation) -> None:
    """datagen_plan_rows: each delivery's channel, life, start and rolls; the showcase."""
    window, series = generation.window_seconds, generation.dialect.series(1, generation.count("deliveries"))
    random = generation.random
    channel = weighted(
        random("i", "channel"),
        [
            (45, "'email'"),
            (15, "'sms'"),
            (15, "'push'"),
            (5, "'mail'"),
            (10, "'facebook'"),
            (10, "'twitter'"),
        ],
    )
    life = weighted(
        random("i", "life"), [(4, "'provisional'"), (3, "'scheduled'"), (3, "'edition'"), (90, "'sent'")]
    )
    generation.sql("DROP TABLE IF EXISTS datagen_plan_rows")
    generation.sql(
        "CREATE TEMP TABLE datagen_plan_rows AS SELECT i AS number, "
        f"{channel} AS channel, {life} AS life, {random('i', 'target')} % 100 AS target_roll, "
        f"{random('i', 'start')} % {window} AS start_offset, {random('i', 'deleted')} % 100 < 5 AS deleted, "
        f"{random('i', 'weight')} AS weight_roll, {random('i', 'pos')} AS position_roll, "
        f"{random('i', 'misc')} AS misc_roll FROM {series}"
    )
    for number, showcase in enumerate(SHOWCASE[: generation.count("deliveries")], start=1):
        start = window - showcase.seconds_before_now
        target_roll = -1 if showcase.target == "recipient" else FORCED_TARGET_ROLLS[showcase.target]
        generation.sql(
            f"UPDATE datagen_plan_rows SET channel = {literal(showcase.channel)}, "
            f"life = {literal(showcase.life)}, target_roll = {target_roll}, "
            f"start_offset = {max(0, start)} - position_roll % {min(3000, max(1, start))}, "
            f"deleted = {'TRUE' if showcase.deleted else 'FALSE'}, "
            f"misc_roll = misc_roll - misc_roll % 100 + 50 WHERE number = {number}"  # % 100 = 50: finished
        )


def _target_table(generation: Generation) -> str:
    """SQL: the target table of a plan row, by channel; external tables only when they
    have profiles."""
    kinds, whens = external_counts(generation), []
    for code, options in EXTERNAL_TARGETS.items():
        reached = 0
        for percent, kind in options:
            low, reached = reached, reached + percent
            if kinds[kind]:
                whens.append(
                    f"WHEN channel = {literal(code)} AND target_roll >= {low} AND target_roll < {reached} "
                    f"THEN {literal(kind)}"
                )
        for kind, roll in FORCED_TARGET_ROLLS.items():
            if kinds[kind]:
                whens.append(f"WHEN channel = {literal(code)} AND target_roll = {roll} THEN {literal(kind)}")
    return f"CASE {' '.join(whens)} ELSE 'recipient' END" if whens else "'recipient'"


def _plan_targets(generation: Generation) -> None:
    """datagen_plan_targets: the rows with their targets, weight in logs, state, spreads."""
    window, dialect, groups = generation.window_seconds, generation.dialect, target_groups(generation)

    def by_group(pick):
        whens = " ".join(
            f"WHEN {literal(key)} THEN {pick(group)}" for key, group in groups.items() if key != "recipient"
        )
        return f"CASE target_group {whens} ELSE {pick(groups['recipient'])} END"

    stride = by_group(lambda group: choose("misc_roll / 100", [str(prime) for prime in group.strides]))
    sent = "life = 'sent'"
    weight = (
        f"CASE WHEN {sent} THEN (20 + weight_roll % 100 + CASE WHEN weight_roll / 100 % 10 = 0 THEN 400 "
        "ELSE 0 END) / CASE WHEN target_group = 'recipient' THEN 1 WHEN target_group = 'social' THEN 2 "
        "ELSE 4 END ELSE 0 END"
    )
    state = (  # sent in the last day: still in progress
        "CASE life WHEN 'sent' THEN CASE "
        f"WHEN {window} - start_offset < {DAY} THEN 'in_progress' "
        "WHEN misc_roll % 100 < 2 THEN 'stopped' WHEN misc_roll % 100 < 3 THEN 'failed' ELSE 'finished' END "
        "WHEN 'edition' THEN 'edition' ELSE 'pending' END"
    )
    first_delivery = generation.first_id("campaign.Delivery")
    generation.sql("DROP TABLE IF EXISTS datagen_plan_targets")
    generation.sql(
        "CREATE TEMP TABLE datagen_plan_targets AS SELECT x.*, "
        f"{numbered(first_delivery, 'number')} AS id, "
        f"{by_group(lambda group: group.profile_base)} AS profile_base, "
        f"{by_group(lambda group: group.first_index)} AS first_index, "
        f"{by_group(lambda group: group.size)} AS index_range, "
        f"position_roll % {by_group(lambda group: group.size)} AS start_index, {stride} AS stride, "
        f"{weight} AS log_weight, {state} AS state, "
        f"{dialect.least('21600', f'{window} - start_offset')} AS short_spread, "
        f"{dialect.least(str(7 * DAY), f'{window} - start_offset')} AS long_spread, "
        f"CASE WHEN {sent} THEN CASE WHEN channel IN ('email', 'sms') THEN 880 ELSE 850 END "
        "+ misc_roll % 100 ELSE 0 END AS success_permille "
        "FROM (SELECT y.*, CASE WHEN channel IN ('facebook', 'twitter') THEN 'social' ELSE target_table END "
        f"AS target_group FROM (SELECT datagen_plan_rows.*, {_target_table(generation)} AS target_table "
        "FROM datagen_plan_rows) y) x"
    )


def _plan_logs(generation: Generation) -> DeliveryPlan:
    """datagen_plan: the rows with their slices of the delivery logs."""
    logs = generation.count("delivery_logs")
    total = int(generation.one("SELECT COALESCE(SUM(log_weight), 0) FROM datagen_plan_targets")[0])
    if logs and not total:
        raise GenerationError("delivery logs need sent deliveries; raise deliveries")
    offset, count = slices(logs, "log_weight", "running_log_weight", total)
    generation.sql(f"DROP TABLE IF EXISTS {PLAN_TABLE}")
    generation.sql(
        f"CREATE TEMP TABLE {PLAN_TABLE} AS SELECT z.*, "
        "log_count * success_permille / 1000 AS success_count, "
        "CASE WHEN trackable THEN ROW_NUMBER() OVER (PARTITION BY trackable ORDER BY number) END "
        "AS trackable_number "
        f"FROM (SELECT y.*, {offset} AS log_offset, {count} AS log_count, "
        "(life = 'sent' AND channel IN ('email', 'push')) AS trackable FROM "
        "(SELECT datagen_plan_targets.*, CAST(SUM(log_weight) OVER (ORDER BY number ROWS UNBOUNDED "
        "PRECEDING) AS BIGINT) AS running_log_weight FROM datagen_plan_targets) y) z"
    )
    for name in ("datagen_plan_rows", "datagen_plan_targets"):
        generation.sql(f"DROP TABLE {name}")
    if generation.dialect.vendor == "sqlite":
        generation.sql(f"CREATE INDEX datagen_plan_trackable ON {PLAN_TABLE} (trackable_number)")
    trackable = generation.one(f"SELECT COUNT(*) FROM {PLAN_TABLE} WHERE trackable")[0]
    return DeliveryPlan(PLAN_TABLE, trackable)


# --- generators ---------------------------------------------------------------------------


def deliveries(generation: Generation) -> int:
    """Make the plan (shared with later generators), then one delivery per plan row."""
    _plan_rows(generation)
    _plan_targets(generation)
    generation.shared[SHARED_KEY] = _plan_logs(generation)
    window, timestamp = generation.window_seconds, generation.timestamp
    channels = generation.channels
    channel_id = case("channel", {code: channel.pk for code, channel in channels.items()})
    channel_label = case("channel", {code: literal(channel.label) for code, channel in channels.items()})
    theme = choose(generation.random("number", "label"), literals(DELIVERY_THEMES))
    label = f"{theme} || ' (' || {channel_label} || ') #' || number"
    mode = (
        "CASE life WHEN 'provisional' THEN 'provisional' WHEN 'scheduled' THEN 'scheduled' "
        "WHEN 'edition' THEN 'immediate' ELSE CASE WHEN misc_roll / 100 % 10 < 4 THEN 'scheduled' "
        "ELSE 'immediate' END END"
    )
    planned = (
        f"CASE life WHEN 'provisional' THEN {window} + {HOUR} + position_roll % {60 * DAY} "
        f"WHEN 'scheduled' THEN {window} + {HOUR} + position_roll % {14 * DAY} "
        "WHEN 'sent' THEN CASE WHEN misc_roll / 100 % 10 < 4 THEN start_offset END END"
    )
    created = (
        "CASE WHEN life = 'sent' THEN "
        f"{generation.dialect.greatest('0', f'start_offset - weight_roll % {5 * DAY}')} "
        f"ELSE {window} - {HOUR} - weight_roll % {30 * DAY} END"
    )
    deleted_at = (
        "CASE WHEN NOT deleted THEN NULL WHEN life = 'sent' THEN start_offset + position_roll % "
        f"({window} - start_offset) ELSE {window} - position_roll % {HOUR} END"
    )
    started = timestamp("CASE WHEN life = 'sent' THEN start_offset END")
    valid_until = timestamp(f"CASE WHEN life = 'sent' THEN start_offset + {5 * DAY} END")
    return generation.sql(
        "INSERT INTO campaign_delivery (id, label, channel_id, profile_table, state, scheduling_mode, "
        "planned_at, started_at, valid_until, deleted, deleted_at, created_at, updated_at) "
        f"SELECT id, {label}, {channel_id}, target_table, state, {mode}, {timestamp(planned)}, "
        f"{started}, {valid_until}, deleted, {timestamp(deleted_at)}, {timestamp(created)}, "
        f"{timestamp(str(window))} FROM {PLAN_TABLE}"
    )


def address(generation: Generation, row: str) -> str:
    """SQL: the address a message goes to, for the profile of `row` (which has the
    plan's channel and target_table, and the profile's profile_index and profile_id)."""
    profile_id, index = f"{row}.profile_id", f"{row}.profile_index"
    externals = " ".join(
        f"WHEN {row}.target_table = {literal(kind)} THEN {external_id(kind, profile_id)}"
        for kind in ("cookie", "customer", "mobile")
    )
    return (
        f"CASE WHEN {row}.target_table = 'recipient' THEN CASE {row}.channel "
        f"WHEN 'email' THEN {email(generation, index, profile_id)} "
        f"WHEN 'sms' THEN {phone(profile_id)} "
        f"WHEN 'push' THEN 'push-' || {profile_id} "
        f"WHEN 'facebook' THEN 'fb:' || {profile_id} "
        f"WHEN 'twitter' THEN '@' || {first_name_slug(generation, index)} || {profile_id} "
        f"ELSE '' END {externals} ELSE '' END"
    )


def _failure_columns(row: str) -> tuple[str, str, str]:
    """SQL: failure type, reason and raw error text of `row`'s failure_code and address."""
    code = f"{row}.failure_code"
    failure_type = case(code, {number: literal(failure.type) for number, failure in FAILURES.items()}, "''")
    reason = case(code, {number: literal(failure.reason.value) for number, failure in FAILURES.items()}, "''")
    text = case(
        code,
        {number: failure.text.format(address=f"{row}.address") for number, failure in FAILURES.items()},
        "''",
    )
    return failure_type, reason, text


def delivery_logs(generation: Generation) -> int:
    """One log per targeted profile, with Adobe-like status, failure and size mixes per
    channel, times after the delivery's start and before `now`."""
    total, fence = generation.count("delivery_logs"), generation.dialect.fence
    first_log, random = generation.first_id("campaign.DeliveryLog"), generation.random
    source, where = expand(generation, PLAN_TABLE, "log_count")
    success = (  # delivery reports confirm most mobile messages
        "CASE WHEN b.channel IN ('sms', 'push') AND b.status_roll / 100 % 100 < 85 "
        "THEN 'delivered' ELSE 'sent' END"
    )
    status = (
        f"CASE WHEN b.target_number <= b.success_count THEN {success} "
        "WHEN b.state = 'in_progress' AND b.status_roll % 100 < 70 THEN CASE WHEN b.status_roll % 2 = 0 "
        "THEN 'pending' ELSE 'prepared' END "
        "WHEN b.state = 'stopped' AND b.status_roll % 100 < 60 THEN 'cancelled' "
        "WHEN b.status_roll % 100 < 75 THEN 'failed' ELSE 'ignored' END"
    )
    group = "CASE WHEN c.channel IN ('email', 'sms', 'push') THEN c.channel ELSE 'other' END"
    failed = case(
        group,
        {
            name: weighted("c.reason_roll", [(weight, str(code)) for weight, code in mix])
            for name, mix in FAILED_MIX.items()
        },
    )
    ignored = weighted("c.reason_roll", [(weight, str(code)) for weight, code in IGNORED_MIX])
    failure_code = f"CASE c.status WHEN 'failed' THEN {failed} WHEN 'ignored' THEN {ignored} ELSE 0 END"
    event = (
        "c.start_offset + CASE WHEN c.status = 'failed' THEN c.time_roll % c.long_spread "
        "ELSE c.time_roll % c.short_spread END"
    )
    size = (
        "CASE WHEN c.status IN ('ignored', 'pending', 'cancelled') THEN 0 ELSE CASE c.channel "
        "WHEN 'email' THEN 12000 + c.size_roll % 60000 WHEN 'sms' THEN 160 * (1 + c.size_roll % 3) "
        "WHEN 'push' THEN 300 + c.size_roll % 1700 WHEN 'mail' THEN 0 ELSE 200 + c.size_roll % 800 END END"
    )
    failure_type, reason, text = _failure_columns("d")

    def statement(first_row: int, last_row: int) -> str:
        return (
            "INSERT INTO campaign_deliverylog (id, delivery_id, profile_table, profile_id, address, status, "
            "failure_type, failure_reason, error_text, message_size, event_at) "
            f"SELECT d.id, d.delivery_id, d.target_table, d.profile_id, d.address, d.status, {failure_type}, "
            f"{reason}, {text}, d.size, {generation.timestamp('d.event_offset')} FROM ("
            f"SELECT c.*, {failure_code} AS failure_code, {event} AS event_offset, {size} AS size FROM ("
            f"SELECT b.*, {status} AS status, {address(generation, 'b')} AS address FROM ("
            f"SELECT a.*, a.profile_base + a.profile_index AS profile_id, "
            f"{random('a.log_number', 'lstatus')} AS status_roll, "
            f"{random('a.log_number', 'lreason')} AS reason_roll, "
            f"{random('a.log_number', 'ltime')} AS time_roll, "
            f"{random('a.log_number', 'lsize')} AS size_roll FROM ("
            "SELECT p.id AS delivery_id, p.channel, p.target_table, p.state, p.start_offset, p.short_spread, "
            "p.long_spread, p.success_count, p.profile_base, "
            f"{numbered(first_log, 'p.log_offset + g.k')} AS id, "
            "p.log_offset + g.k AS log_number, g.k AS target_number, "
            f"{DeliveryPlan.target_index('p', 'g.k')} AS profile_index "
            f"FROM {source} WHERE {where} AND p.log_count > 0 AND p.log_offset >= {first_row - 1} "
            f"AND p.log_offset < {last_row}{fence}) a{fence}) b{fence}) c{fence}) d"
        )

    with generation.bulk_load("campaign.DeliveryLog", total):
        return generation.insert_chunks("delivery logs", total, statement)
