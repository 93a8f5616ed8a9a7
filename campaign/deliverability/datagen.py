"""Deliverability's tables for `generate_data` and the demo (declared in contributions.py,
built with the core's toolkit campaign.devtools.datagen), like a platform that has
been reading its bounce mailbox:

- inbound bounces: the bounces of failed email delivery logs of the last 183 days
  (seven in ten of those with an address: older ones were purged by cleanup),
  received when the log failed, qualified like it, most of them matched by the
  platform's header, the others by address; plus the other messages a bounce mailbox
  gets over the last 30 days (auto-replies, delivery notices, spam complaints,
  messages that are not bounces, malformed ones), one in ten rows;
- the delivery log qualification list: texts no rule matched, seen over the last 90
  days, most still to qualify, some kept or ignored by an operator.

Cleanup's first dry run then deletes a small share of the inbound bounces (those of the
last three days past the 180-day retention), not most of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from campaign.choices import FailureReason, FailureType
from campaign.devtools.datagen.sql import case, choose, literal, literals, numbered, weighted
from campaign.devtools.datagen.vocabulary import DAY
from workflows.plugins import GeneratedTable

from .choices import LogMatch, MessageKind, QualificationStatus

if TYPE_CHECKING:
    from workflows.plugins import Generation

BOUNCE_SHARE = 70  # percent of the failed email logs with an address that bounced back
# A running platform's cleanup has purged bounces older than the delivery logs'
# retention (180 days): only the last days past it are left for its next run.
KEPT_DAYS = 183
OTHER_MESSAGES = 10  # percent of the rows: not bounces
MAILBOX = "maildir:/var/mail/bounces"
BOUNCE_COLUMNS = (
    "message_key, recipient, kind, source, subject, received_at, status_code, failure_type, "
    "failure_reason, diagnostic, log_id, log_match, recorded, quarantine_status"
)
QUALIFICATION_COLUMNS = (
    "text_hash, text, first_text, failure_type, failure_reason, status, occurrences, first_seen_at, "
    "last_seen_at, updated_at"
)
STATUS_CODES = {
    FailureReason.USER_UNKNOWN: "5.1.1",
    FailureReason.MAILBOX_FULL: "5.2.2",
    FailureReason.INVALID_DOMAIN: "5.1.2",
    FailureReason.ACCOUNT_DISABLED: "5.2.1",
    FailureReason.INACTIVE_MAILBOX: "5.2.1",
    FailureReason.REFUSED: "5.7.1",
    FailureReason.UNREACHABLE: "4.4.1",
}
UNMATCHED_TEXTS = [
    "5.0.0 554 transaction failed: message rejected by local policy #xxx#",
    "4.0.0 451 requested action aborted: error in processing #xxx#",
    "5.0.0 550 recipient not accepted at this time (code #xxx#)",
    "x-unix; #xxx#",
    "5.0.0 554 delivery error: ticket #xxx#",
    "4.0.0 421 please retry later, ref #xxx#",
    "5.3.0 553 mail loop through gateway #xxx#",
    "5.0.0 550 message undeliverable: see #xxx#",
]


def inbound_bounces(generation: Generation) -> int:
    total = generation.count("inbound_bounces")
    if not total:
        return 0
    others = total * OTHER_MESSAGES // 100
    return _bounces_of_failed_logs(generation, total - others) + _other_messages(generation, others)


def _bounces_of_failed_logs(generation: Generation, total: int) -> int:
    random, email = generation.random, generation.channels["email"].pk
    match = weighted(
        random("l.id", "bmatch"), [(80, literal(LogMatch.PLATFORM)), (20, literal(LogMatch.ADDRESS))]
    )
    after = case(
        "l.failure_type",
        {FailureType.HARD: literal("quarantine"), FailureType.SOFT: literal("with_errors")},
        literal(""),
    )
    code = case(
        "l.failure_reason", {reason: literal(status) for reason, status in STATUS_CODES.items()}, "''"
    )
    return generation.sql(
        f"INSERT INTO deliverability_inboundbounce ({BOUNCE_COLUMNS}) "
        f"SELECT 'datagen-log-' || l.id, l.address, {literal(MessageKind.BOUNCE)}, {literal(MAILBOX)}, "
        f"'Undelivered Mail Returned to Sender', l.event_at, {code}, l.failure_type, l.failure_reason, "
        f"l.error_text, l.id, {match}, TRUE, {after} "
        "FROM campaign_deliverylog l JOIN campaign_delivery d ON d.id = l.delivery_id "
        f"WHERE l.id >= {generation.first_id('campaign.DeliveryLog')} "  # this run's logs
        f"AND d.channel_id = {email} AND l.status = 'failed' AND l.address <> '' "
        f"AND l.failure_type IN ({', '.join(literals([FailureType.HARD, FailureType.SOFT]))}) "
        f"AND {random('l.id', 'bounced')} % 100 < {BOUNCE_SHARE} "
        f"AND l.event_at >= {generation.timestamp(f'{generation.window_seconds} - {KEPT_DAYS * DAY}')} "
        f"ORDER BY l.id LIMIT {total}"
    )


def _other_messages(generation: Generation, total: int) -> int:
    if not total:
        return 0
    random, window, fence = generation.random, generation.window_seconds, generation.dialect.fence
    # Numbered after the rows already there: a second run appends without clashing keys.
    number = numbered(generation.first_id("deliverability.InboundBounce"), "b.i")
    kind = weighted(
        "a.kind_roll",
        [
            (55, literal(MessageKind.AUTO_REPLY)),
            (15, literal(MessageKind.DELIVERY_NOTICE)),
            (5, literal(MessageKind.COMPLAINT)),
            (20, literal(MessageKind.UNRECOGNISED)),
            (5, literal(MessageKind.MALFORMED)),
        ],
    )
    subject = case(
        "b.kind",
        {
            MessageKind.AUTO_REPLY: choose(
                "b.kind_roll / 100", literals(["Out of office", "Absence", "Auto: Re"])
            ),
            MessageKind.DELIVERY_NOTICE: literal("Delivery Status Notification (Relay)"),
            MessageKind.COMPLAINT: literal("Complaint about message"),
            MessageKind.UNRECOGNISED: literal("Re: your newsletter"),
        },
        "''",
    )
    complaint = f"b.kind = {literal(MessageKind.COMPLAINT)}"
    recipient = f"CASE WHEN {complaint} THEN 'reader' || ({number}) || '@example.com' ELSE '' END"

    def statement(first_row: int, last_row: int) -> str:
        return (
            f"INSERT INTO deliverability_inboundbounce ({BOUNCE_COLUMNS}) "
            f"SELECT 'datagen-other-' || ({number}), {recipient}, b.kind, {literal(MAILBOX)}, {subject}, "
            f"{generation.timestamp(f'{window} - b.time_roll % {30 * DAY}')}, '', "
            f"CASE WHEN {complaint} THEN {literal(FailureType.IGNORED)} ELSE '' END, "
            f"CASE WHEN {complaint} THEN {literal(FailureReason.REFUSED)} ELSE '' END, "
            f"'', NULL, {literal(LogMatch.NONE)}, FALSE, "
            f"CASE WHEN {complaint} THEN 'denylisted' ELSE '' END FROM ("
            f"SELECT a.*, {kind} AS kind FROM ("
            f"SELECT series.i, {random('series.i', 'okind')} AS kind_roll, "
            f"{random('series.i', 'otime')} AS time_roll "
            f"FROM {generation.dialect.series(first_row, last_row)}{fence}) a{fence}) b"
        )

    return generation.insert_chunks("other inbound messages", total, statement)


def log_qualifications(generation: Generation) -> int:
    total = generation.count("log_qualifications")
    if not total:
        return 0
    random, window, fence = generation.random, generation.window_seconds, generation.dialect.fence
    number = numbered(generation.first_id("deliverability.LogQualification"), "c.i")
    status = weighted(
        "a.status_roll",
        [
            (60, literal(QualificationStatus.TO_QUALIFY)),
            (25, literal(QualificationStatus.KEEP)),
            (15, literal(QualificationStatus.IGNORE)),
        ],
    )
    kept = [  # (weight, type, reason) an operator gave the texts kept
        (40, FailureType.SOFT, FailureReason.REFUSED),
        (35, FailureType.SOFT, FailureReason.UNREACHABLE),
        (25, FailureType.HARD, FailureReason.USER_UNKNOWN),
    ]
    kept_type = weighted("b.reason_roll", [(weight, literal(kind)) for weight, kind, _reason in kept])
    kept_reason = weighted("b.reason_roll", [(weight, literal(reason)) for weight, _kind, reason in kept])
    failure_type = case(
        "b.status",
        {QualificationStatus.KEEP: kept_type, QualificationStatus.IGNORE: literal(FailureType.IGNORED)},
        literal(FailureType.SOFT),
    )
    failure_reason = case("b.status", {QualificationStatus.KEEP: kept_reason}, literal(FailureReason.UNKNOWN))
    text = choose("b.i", literals(UNMATCHED_TEXTS))
    first_seen = f"{window} - b.time_roll % {90 * DAY}"
    last_seen = f"c.first_seen + (c.time_roll / 7) % ({window} - c.first_seen + 1)"
    timestamp = generation.timestamp

    def statement(first_row: int, last_row: int) -> str:
        return (
            f"INSERT INTO deliverability_logqualification ({QUALIFICATION_COLUMNS}) "
            f"SELECT 'datagen-' || ({number}), c.text || ' (' || ({number}) || ')', "
            f"REPLACE(c.text, '#xxx#', CAST(c.time_roll % 99991 AS TEXT)) || ' (' || ({number}) || ')', "
            "c.failure_type, c.failure_reason, "
            f"c.status, 1 + c.reason_roll % 500, {timestamp('c.first_seen')}, {timestamp(last_seen)}, "
            f"{timestamp(last_seen)} FROM ("
            f"SELECT b.*, {text} AS text, {failure_type} AS failure_type, "
            f"{failure_reason} AS failure_reason, "
            f"{first_seen} AS first_seen FROM ("
            f"SELECT a.*, {status} AS status FROM ("
            f"SELECT series.i, {random('series.i', 'qstatus')} AS status_roll, "
            f"{random('series.i', 'qreason')} AS reason_roll, {random('series.i', 'qtime')} AS time_roll "
            f"FROM {generation.dialect.series(first_row, last_row)}{fence}) a{fence}) b{fence}) c"
        )

    return generation.insert_chunks("delivery log qualification", total, statement)


def _presets(tiny: int, demo: int, bench: int) -> dict[str, int]:
    return {"tiny": tiny, "demo": demo, "bench": bench}


GENERATED_TABLES = [
    GeneratedTable(
        key="inbound_bounces",
        order=2000,
        label="inbound bounces (bounces of failed email logs, and other messages)",
        models=("deliverability.InboundBounce",),
        counts=_presets(60, 1_500, 300_000),
        generate=inbound_bounces,
        requires=("delivery_logs",),
    ),
    GeneratedTable(
        key="log_qualifications",
        order=2100,
        label="delivery log qualification entries",
        models=("deliverability.LogQualification",),
        counts=_presets(8, 40, 400),
        generate=log_qualifications,
    ),
]
