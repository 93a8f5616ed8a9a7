"""Quarantine transitions, applied where a failure is recorded (Adobe §5.2, DESIGN §4).

Per address (case-sensitive) and channel:
- a hard failure quarantines the address at once;
- a soft failure makes it "with errors" and counts, at most once per significant-error
  delay (24 h): a soft failure less than that after the last counted one changes
  nothing; the counter restarts when the last counted failure is more than 10 days old;
  the failure that takes the count past the maximum (5) quarantines the address;
- an ignored failure changes nothing;
- a spam complaint denylists the address;
- quarantined and denylisted addresses are never touched here (nor released by
  cleanup): only an operator releases them.
A later success, 10 quiet days, or 30 days after "mailbox full", returns an address
with errors to valid: that is cleanup's quarantine upkeep (campaign.purge_steps), which
reads the last success that successes.py writes.

Every change is a compare-and-set on the row's expected status, count and last error
time, so two processes recording failures for one address at once count each once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from campaign.choices import FailureReason, FailureType, QuarantineStatus
from campaign.models import Channel, Quarantine
from campaign.retention import QUARANTINE_QUIET_DAYS

CLOSED = (QuarantineStatus.QUARANTINE, QuarantineStatus.DENYLISTED)
ATTEMPTS = 5


@dataclass(frozen=True)
class QuarantinePolicy:
    """The counting rules (Settings › Deliverability; Adobe's NmsNPAI_EmailMaxError and
    NmsNPAI_EmailSignificantErrorDelay)."""

    max_errors: int = 5
    significant_delay: timedelta = timedelta(hours=24)
    quiet: timedelta = timedelta(days=QUARANTINE_QUIET_DAYS)


@dataclass(frozen=True)
class Current:
    status: str
    error_count: int
    last_error_at: datetime | None


def transition(
    current: Current, failure_type: str, reason: str, at: datetime, policy: QuarantinePolicy
) -> dict[str, Any] | None:
    """The changes one failure makes to an address's record, or None (no change)."""
    if current.status in CLOSED or failure_type not in (FailureType.HARD, FailureType.SOFT):
        return None
    counted = current.error_count if current.status == QuarantineStatus.WITH_ERRORS else 0
    last = current.last_error_at if current.status == QuarantineStatus.WITH_ERRORS else None
    if last is not None and at - last > policy.quiet:
        counted, last = 0, None  # 10 quiet days: the counter restarts
    if failure_type == FailureType.HARD:
        status = QuarantineStatus.QUARANTINE
    else:
        if last is not None and at - last < policy.significant_delay:
            return None  # not significant: at most one counted error per delay
        status = (
            QuarantineStatus.QUARANTINE if counted + 1 > policy.max_errors else QuarantineStatus.WITH_ERRORS
        )
    return {
        "status": status,
        "error_count": counted + 1,
        "last_error_at": at,
        "last_error_reason": reason or FailureReason.UNKNOWN,
    }


def _row(address: str, channel: Channel, now: datetime) -> Quarantine:
    found = Quarantine.objects.filter(address=address, channel=channel).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Quarantine.objects.create(
                address=address,
                channel=channel,
                status=QuarantineStatus.VALID,
                created_at=now,
                updated_at=now,
            )
    except IntegrityError:  # created by another process meanwhile
        return Quarantine.objects.get(address=address, channel=channel)


def _compare_and_set(row: Quarantine, changes: dict[str, Any], now: datetime) -> bool:
    expected = Quarantine.objects.filter(pk=row.pk, status=row.status, error_count=row.error_count)
    if row.last_error_at is None:
        expected = expected.filter(last_error_at__isnull=True)
    else:
        expected = expected.filter(last_error_at=row.last_error_at)
    return expected.update(**changes, updated_at=now) == 1


def record_failure(
    address: str, channel: Channel, failure_type: str, reason: str, at: datetime, policy: QuarantinePolicy
) -> str:
    """Apply one failure of `address` on `channel` at `at`; returns the address's
    status afterwards ("" when the address is empty)."""
    if not address:
        return ""
    for _attempt in range(ATTEMPTS):
        row = _row(address, channel, at)
        current = Current(row.status, row.error_count, row.last_error_at)
        changes = transition(current, failure_type, reason, at, policy)
        if changes is None:
            return row.status
        if _compare_and_set(row, changes, at):
            return changes["status"]
    raise RuntimeError(f"the quarantine record of {address} kept changing; not recorded")


def denylist(address: str, channel: Channel, at: datetime, reason: str = FailureReason.REFUSED) -> str:
    """A spam complaint (feedback loop): the address goes to quarantine as denylisted."""
    if not address:
        return ""
    for _attempt in range(ATTEMPTS):
        row = _row(address, channel, at)
        if row.status == QuarantineStatus.DENYLISTED:
            return row.status
        changes = {"status": QuarantineStatus.DENYLISTED, "last_error_at": at, "last_error_reason": reason}
        if Quarantine.objects.filter(pk=row.pk, status=row.status).update(**changes, updated_at=at):
            return QuarantineStatus.DENYLISTED
    raise RuntimeError(f"the quarantine record of {address} kept changing; not denylisted")
