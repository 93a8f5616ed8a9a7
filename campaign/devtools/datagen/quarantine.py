"""Generated quarantine entries in every status, unique per address and channel: the
first ones take distinct recipients' addresses (email, or phone for one in five),
further ones bounce addresses of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from campaign.choices import FailureReason

from .profiles import email, phone
from .sql import literal, numbered, stride_for, weighted
from .vocabulary import DAY

if TYPE_CHECKING:
    from workflows.plugins import Generation


def _reasons() -> str:
    """SQL: the last error's reason of `b` (which has its status and reason_roll)."""
    hard = weighted(
        "b.reason_roll",
        [
            (50, literal(FailureReason.USER_UNKNOWN)),
            (20, literal(FailureReason.MAILBOX_FULL)),
            (15, literal(FailureReason.INVALID_DOMAIN)),
            (15, literal(FailureReason.REFUSED)),
        ],
    )
    soft = weighted(
        "b.reason_roll",
        [
            (45, literal(FailureReason.MAILBOX_FULL)),
            (25, literal(FailureReason.UNREACHABLE)),
            (20, literal(FailureReason.INVALID_DOMAIN)),
            (10, literal(FailureReason.INACTIVE_MAILBOX)),
        ],
    )
    return (
        f"CASE b.status WHEN 'quarantine' THEN {hard} WHEN 'with_errors' THEN {soft} "
        f"WHEN 'valid' THEN {literal(FailureReason.MAILBOX_FULL)} ELSE "
        f"{literal(FailureReason.DENYLISTED)} END"
    )


def quarantine(generation: Generation) -> int:
    total, recipients = generation.count("quarantine"), generation.count("recipients")
    if not total:
        return 0
    window, fence, random = generation.window_seconds, generation.dialect.fence, generation.random
    first_recipient, first_entry = (
        generation.first_id("campaign.Recipient"),
        generation.first_id("campaign.Quarantine"),
    )
    # Rows 1..recipients take distinct recipients (a stride coprime with their count),
    # so (address, channel) is unique; further rows get addresses of their own.
    recipient_index = f"(series.i - 1) * {stride_for(recipients)} % {max(recipients, 1)} + 1"
    status = weighted(
        "a.status_roll", [(40, "'quarantine'"), (35, "'with_errors'"), (15, "'valid'"), (10, "'denylisted'")]
    )
    last_error = (
        f"CASE b.status WHEN 'with_errors' THEN {window} - b.time_roll % {45 * DAY} WHEN 'denylisted' "
        "THEN NULL "
        f"ELSE b.time_roll % {window} END"
    )
    errors = (
        "CASE c.status WHEN 'quarantine' THEN CASE WHEN c.reason = 'user_unknown' THEN 1 ELSE 5 END "
        "WHEN 'with_errors' THEN 1 + c.reason_roll / 100 % 4 ELSE 0 END"
    )
    success = (
        "CASE WHEN c.status = 'valid' THEN c.last_error + 1 + c.time_roll / 7 % "
        f"({window} - c.last_error) END"
    )
    created = f"COALESCE(c.last_error - c.time_roll / 11 % {30 * DAY}, c.time_roll % {window})"
    address = (
        f"CASE WHEN a.i > {recipients} THEN 'bounce' || ({numbered(first_entry, 'a.i')}) || "
        "'@example.invalid' "
        f"WHEN a.sms THEN {phone('a.profile_id')} "
        f"ELSE {email(generation, 'a.recipient_index', 'a.profile_id')} END"
    )
    sms, mail = generation.channels["sms"].pk, generation.channels["email"].pk
    channel = f"CASE WHEN a.sms AND a.i <= {recipients} THEN {sms} ELSE {mail} END"
    timestamp = generation.timestamp

    def statement(first_row: int, last_row: int) -> str:
        return (
            "INSERT INTO campaign_quarantine (id, address, channel_id, status, error_count, last_error_at, "
            "last_error_reason, last_success_at, created_at, updated_at) "
            f"SELECT {numbered(first_entry, 'd.i')}, d.address, d.channel_id, d.status, d.errors, "
            f"{timestamp('d.last_error')}, d.reason, {timestamp('d.success')}, {timestamp('d.created')}, "
            f"{timestamp('COALESCE(d.success, d.last_error, d.created)')} FROM ("
            f"SELECT c.*, {errors} AS errors, {success} AS success, {created} AS created FROM ("
            f"SELECT b.*, {_reasons()} AS reason, {last_error} AS last_error FROM ("
            "SELECT a.i, a.status_roll, a.reason_roll, a.time_roll, "
            f"{status} AS status, {address} AS address, {channel} AS channel_id FROM ("
            f"SELECT series.i, {recipient_index} AS recipient_index, "
            f"{numbered(first_recipient, recipient_index)} AS profile_id, "
            f"{random('series.i', 'qchannel')} % 100 >= 80 AS sms, "
            f"{random('series.i', 'qstatus')} AS status_roll, "
            f"{random('series.i', 'qreason')} AS reason_roll, {random('series.i', 'qtime')} AS time_roll "
            f"FROM {generation.dialect.series(first_row, last_row)}"
            f"{fence}) a{fence}) b{fence}) c{fence}) d"
        )

    with generation.bulk_load("campaign.Quarantine", total):
        return generation.insert_chunks("quarantine", total, statement)
