"""Inbound bounces (`manage.py process_bounces`): read the bounce mailbox, record each
message once, apply the quarantine transitions, then find each bounce's delivery log
and record the failure on it.

1. Per message (its own transaction): parse it (bounce_parser), qualify each failed
   recipient (the qualification list's decisions, then the rules; an unmatched text is
   recorded "to qualify"), apply the quarantine transition of the email channel, and
   store one InboundBounce row per recipient. The unique message key makes a second
   read of the message (a crash before it was filed, two processes at once) change
   nothing. Then the message is filed (mailboxes.py).
2. Set-based, once per run: bounces naming a delivery log (the X-Campaign-Log-Id header
   or the return path the platform's sending path sets) keep it when that log's address
   is the bounced recipient; the others take the latest delivery log to their address
   sent before the bounce arrived (within MATCH_WINDOW). A bounce that finds none is
   retried by later runs for RETRY_WINDOW, then marked "no delivery log".
3. Set-based: each matched hard or soft bounce marks its delivery log failed, with the
   failure type, reason and text (the latest bounce of a log wins).

The platform does not send mail itself: a bounce is matched to its log by the header
the sending path would set when present, else by address and latest delivery.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction

from campaign.choices import FailureType, LogStatus, QuarantineStatus
from campaign.models import Channel, Delivery, DeliveryLog

from . import bounce_parser, quarantine
from .bounce_parser import ParsedMessage
from .choices import LogMatch, MessageKind
from .mailboxes import MALFORMED, PROCESSED, UNRECOGNISED
from .models import InboundBounce
from .qualification import DatabaseQualifier

EMAIL_CHANNEL = "email"
# Bounces arrive up to about a week after sending (Adobe §5.1): a bounce looks for its
# log among those sent in the MATCH_WINDOW before it, for RETRY_WINDOW (logs imported
# late), then gives up.
MATCH_WINDOW = timedelta(days=30)
RETRY_WINDOW = timedelta(days=7)
FOLDER_OF = {MessageKind.MALFORMED: MALFORMED, MessageKind.UNRECOGNISED: UNRECOGNISED}

BOUNCES = InboundBounce._meta.db_table
LOGS = DeliveryLog._meta.db_table
DELIVERIES = Delivery._meta.db_table


@dataclass
class Outcome:
    kind: str
    duplicate: bool = False
    statuses: list[str] = field(default_factory=list)


class Processor:
    """Records messages of one run: one qualifier (rules compiled once) and policy."""

    def __init__(self, now: datetime, policy: quarantine.QuarantinePolicy):
        self.now = now
        self.policy = policy
        self.qualifier = DatabaseQualifier(now)
        channel = Channel.objects.filter(code=EMAIL_CHANNEL).first()
        if channel is None:
            raise LookupError("no channel with code 'email': bounces cannot be recorded")
        self.channel = channel

    def _rows(self, parsed: ParsedMessage, source: str) -> tuple[list[InboundBounce], list[str]]:
        common = {
            "message_key": parsed.key,
            "kind": parsed.kind,
            "source": source[:300],
            "subject": parsed.subject[:300],
            "received_at": self.now,
        }
        hint = parsed.log_id or parsed.return_path_log_id
        rows, statuses = [], []
        if parsed.kind == MessageKind.BOUNCE:
            seen = set()
            for failure in parsed.failures:
                recipient = failure.recipient[:254]
                if recipient.lower() in seen:
                    continue
                seen.add(recipient.lower())
                result = self.qualifier.qualify(failure.diagnostic)
                status = quarantine.record_failure(
                    recipient, self.channel, result.failure_type, result.failure_reason, self.now, self.policy
                )
                statuses.append(status)
                rows.append(
                    InboundBounce(
                        **common,
                        recipient=recipient,
                        status_code=(failure.status or result.status)[:16],
                        failure_type=result.failure_type,
                        failure_reason=result.failure_reason,
                        diagnostic=failure.diagnostic,
                        rule_id=result.rule.rule_id if result.rule else None,
                        log_id=hint,
                        quarantine_status=status,
                    )
                )
        elif parsed.kind == MessageKind.COMPLAINT:
            for failure in parsed.failures[:1]:
                status = quarantine.denylist(failure.recipient[:254], self.channel, self.now)
                statuses.append(status)
                rows.append(
                    InboundBounce(
                        **common,
                        recipient=failure.recipient[:254],
                        failure_type=FailureType.IGNORED,
                        diagnostic=failure.diagnostic,
                        log_id=hint,
                        quarantine_status=status,
                    )
                )
        if not rows:  # auto-reply, notice, not a bounce, malformed: one row, never matched
            rows.append(InboundBounce(**common, diagnostic=parsed.note, log_match=LogMatch.NONE))
        return rows, statuses

    def record(self, raw: bytes, source: str) -> Outcome:
        """Record one message (once); returns what it was."""
        parsed = bounce_parser.parse(raw)
        if InboundBounce.objects.filter(message_key=parsed.key).exists():
            return Outcome(parsed.kind, duplicate=True)
        try:
            with transaction.atomic():
                rows, statuses = self._rows(parsed, source)
                InboundBounce.objects.bulk_create(rows)
        except IntegrityError:  # recorded by another process meanwhile: its work stands
            return Outcome(parsed.kind, duplicate=True)
        return Outcome(parsed.kind, statuses=statuses)


def folder_for(kind: str) -> str:
    return FOLDER_OF.get(kind, PROCESSED)


# --- Matching bounces to delivery logs, and recording them there ---------------------------


def _db(value):
    return connection.ops.adapt_datetimefield_value(value)


PENDING_FAILURES = f"""
    {BOUNCES}.log_match = %s AND {BOUNCES}.kind = %s AND {BOUNCES}.recipient <> ''
"""

# A log named by the platform's header or return path counts when its address is the
# bounced recipient (a forged or mangled id must not fail someone else's log).
KEEP_NAMED_LOG = f"""
    UPDATE {BOUNCES} SET log_match = %s
    WHERE {PENDING_FAILURES} AND {BOUNCES}.log_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM {LOGS} l
                  WHERE l.id = {BOUNCES}.log_id AND LOWER(l.address) = LOWER({BOUNCES}.recipient))
"""
DROP_NAMED_LOG = f"""
    UPDATE {BOUNCES} SET log_id = NULL WHERE {PENDING_FAILURES} AND {BOUNCES}.log_id IS NOT NULL
"""
# One pass over the logs of the window (the event_at index) joined to the pending bounces.
LATEST_LOG_TO_ADDRESS = f"""
    UPDATE {BOUNCES} SET log_id = latest.log_id, log_match = %s
    FROM (
        SELECT ranked.bounce_id, ranked.log_id FROM (
            SELECT b.id AS bounce_id, l.id AS log_id,
                   ROW_NUMBER() OVER (PARTITION BY b.id ORDER BY l.event_at DESC, l.id DESC) AS position
            FROM {BOUNCES} b
            JOIN {LOGS} l ON LOWER(l.address) = LOWER(b.recipient)
            WHERE b.log_match = %s AND b.kind = %s AND b.recipient <> '' AND b.log_id IS NULL
              AND l.event_at >= %s AND l.event_at <= b.received_at
        ) ranked
        WHERE ranked.position = 1
    ) latest
    WHERE {BOUNCES}.id = latest.bounce_id
"""
GIVE_UP = f"""
    UPDATE {BOUNCES} SET log_match = %s WHERE {PENDING_FAILURES} AND {BOUNCES}.received_at < %s
"""
# The latest hard or soft bounce of each matched log, not yet recorded on it.
RECORD_ON_LOGS = f"""
    UPDATE {LOGS} SET status = %s, failure_type = latest.failure_type,
        failure_reason = latest.failure_reason, error_text = latest.diagnostic
    FROM (
        SELECT b.log_id, b.failure_type, b.failure_reason, b.diagnostic FROM {BOUNCES} b
        WHERE b.id IN (
            SELECT MAX(inner_b.id) FROM {BOUNCES} inner_b
            WHERE inner_b.log_match IN (%s, %s) AND inner_b.failure_type IN (%s, %s)
              AND inner_b.recorded = %s
            GROUP BY inner_b.log_id
        )
    ) latest
    WHERE {LOGS}.id = latest.log_id
"""
MARK_RECORDED = f"""
    UPDATE {BOUNCES} SET recorded = %s
    WHERE log_match IN (%s, %s) AND failure_type IN (%s, %s) AND recorded = %s
"""


@dataclass
class Matched:
    by_platform: int = 0
    by_address: int = 0
    given_up: int = 0
    logs_failed: int = 0


def match_and_record(now: datetime) -> Matched:
    """Steps 2 and 3 for every pending bounce, set-based, in one transaction."""
    matched = Matched()
    pending = [LogMatch.PENDING, MessageKind.BOUNCE]
    failures = [FailureType.HARD, FailureType.SOFT]
    matched_kinds = [LogMatch.PLATFORM, LogMatch.ADDRESS]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(KEEP_NAMED_LOG, [LogMatch.PLATFORM, *pending])
        matched.by_platform = cursor.rowcount
        cursor.execute(DROP_NAMED_LOG, pending)
        earliest = now - RETRY_WINDOW - MATCH_WINDOW
        cursor.execute(LATEST_LOG_TO_ADDRESS, [LogMatch.ADDRESS, *pending, _db(earliest)])
        matched.by_address = cursor.rowcount
        cursor.execute(GIVE_UP, [LogMatch.NONE, *pending, _db(now - RETRY_WINDOW)])
        matched.given_up = cursor.rowcount
        cursor.execute(RECORD_ON_LOGS, [LogStatus.FAILED, *matched_kinds, *failures, False])
        matched.logs_failed = cursor.rowcount
        cursor.execute(MARK_RECORDED, [True, *matched_kinds, *failures, False])
    return matched


@dataclass
class BounceRun:
    """The figures of one process_bounces run."""

    source: str
    kinds: Counter = field(default_factory=Counter)
    duplicates: int = 0
    quarantined: int = 0
    matched: Matched | None = None

    @property
    def messages(self) -> int:
        return sum(self.kinds.values()) + self.duplicates

    def as_dict(self) -> dict:
        data = {
            "mailbox": self.source,
            "messages": self.messages,
            "duplicates": self.duplicates,
            **{kind: self.kinds.get(kind, 0) for kind in MessageKind.values},
            "quarantined": self.quarantined,
        }
        if self.matched is not None:
            data.update(
                logs_matched_by_platform=self.matched.by_platform,
                logs_matched_by_address=self.matched.by_address,
                bounces_without_log=self.matched.given_up,
                logs_failed=self.matched.logs_failed,
            )
        return data


def process(
    source, now: datetime, policy: quarantine.QuarantinePolicy, limit: int | None = None
) -> BounceRun:
    """Read, record and file every message of `source` (up to `limit`), then match."""
    processor = Processor(now, policy)
    run = BounceRun(source.label)
    for handle, raw in source.messages(limit):
        outcome = processor.record(raw, source.label)
        if outcome.duplicate:
            run.duplicates += 1
        else:
            run.kinds[outcome.kind] += 1
            run.quarantined += sum(1 for status in outcome.statuses if status == QuarantineStatus.QUARANTINE)
        source.file(handle, folder_for(outcome.kind))
    run.matched = match_and_record(now)
    return run
