"""The successes step of deliverabilityUpdate: stamp each quarantine record with the
time of its address's latest successful delivery (`last_success_at`), which cleanup's
quarantine upkeep reads to return an address "with errors" to valid (Adobe §5.2).

It reads the delivery logs written since its pointer (Pointer "log_successes"), in the
core's change order (campaign.changes): the pointer only ever moves to the change
horizon, below which every row is committed, so a transaction that commits after a
later one is read by the next run instead of being skipped (on PostgreSQL the change
order is the writing transaction's id and the horizon the oldest one still running;
SQLite serialises writers). Set-based: one UPDATE … FROM (the successes grouped by
address and channel); the pointer moves in the same transaction, compare-and-set on
its expected position (a second run at once changes nothing).

The first run reads every log below the horizon, and those written before change
order existed, in one statement with the pointer's creation: one pass over the table,
as fast as the hand-written UPDATE (benchmark lastSuccesses). It locks only the
quarantine records it stamps, and a killed run is redone whole by the next one.

It keeps its own pointer rather than a core ReadMark on purpose: a read mark holds back
cleanup's purge of the logs it has not read, and a switched-off module must not keep
the largest table from being purged. A success purged unread is 180 days old: it
releases nothing.

A log counts as a success when it is written sent or delivered (the change order is
stamped at insert; a log turned successful by a later UPDATE is not re-read).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction

from campaign import changes
from campaign.choices import LogStatus
from campaign.models import Delivery, DeliveryLog, Quarantine

from .models import Pointer

POINTER = "log_successes"
SOURCE = "delivery_logs"
SUCCESS = (LogStatus.SENT, LogStatus.DELIVERED)

LOGS = DeliveryLog._meta.db_table
DELIVERIES = Delivery._meta.db_table
QUARANTINE = Quarantine._meta.db_table

# A success dated in the future counts as of now: it must not release later errors.
STAMP = f"""
    UPDATE {QUARANTINE} SET last_success_at = found.last_success, updated_at = %s
    FROM (
        SELECT l.address AS address, d.channel_id AS channel_id,
               CASE WHEN MAX(l.event_at) > %s THEN %s ELSE MAX(l.event_at) END AS last_success
        FROM {LOGS} l JOIN {DELIVERIES} d ON d.id = l.delivery_id
        WHERE {{window}} AND l.status IN (%s, %s) AND l.address <> ''
        GROUP BY l.address, d.channel_id
    ) found
    WHERE {QUARANTINE}.address = found.address AND {QUARANTINE}.channel_id = found.channel_id
      AND ({QUARANTINE}.last_success_at IS NULL OR {QUARANTINE}.last_success_at < found.last_success)
"""
# Since the pointer: the BRIN index on change_order.
SINCE_POINTER = "l.change_order >= %s AND l.change_order < %s"
# The first run: everything below the horizon, and the rows older than change order.
FIRST_READ = "(l.change_order IS NULL OR l.change_order < %s)"


def _db(value):
    return connection.ops.adapt_datetimefield_value(value)


@dataclass
class Stamped:
    read_from: int | None
    read_to: int
    records_stamped: int
    moved: bool = True

    def sentence(self) -> str:
        if not self.moved:
            return "Successes: another run read the delivery logs meanwhile; nothing done"
        since = "every delivery log so far" if self.read_from is None else f"change order {self.read_from}"
        return (
            f"Successes: delivery logs from {since} up to {self.read_to} read, "
            f"{self.records_stamped} quarantine records given a later success"
        )


class PointerMoved(Exception):
    """Another run moved the pointer first: its work stands."""


def _stamp(cursor, window_sql: str, params: list, now: datetime) -> int:
    cursor.execute(STAMP.format(window=window_sql), [_db(now), _db(now), _db(now), *params, *SUCCESS])
    return max(cursor.rowcount, 0)


def stamp_successes(now: datetime) -> Stamped:
    """Read the delivery logs written since the pointer, up to the change horizon, and
    stamp the quarantine records of their addresses' successes."""
    pointer = Pointer.objects.filter(name=POINTER).first()
    end = changes.horizon(SOURCE)  # taken before reading
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if pointer is None:
                stamped = _stamp(cursor, FIRST_READ, [end], now)
                Pointer.objects.create(name=POINTER, position=end, updated_at=now)
                return Stamped(None, end, stamped)
            end = max(end, pointer.position)
            stamped = _stamp(cursor, SINCE_POINTER, [pointer.position, end], now)
            moved = Pointer.objects.filter(name=POINTER, position=pointer.position).update(
                position=end, updated_at=now
            )
            if not moved:
                raise PointerMoved
        return Stamped(pointer.position, end, stamped)
    except (PointerMoved, IntegrityError):
        return Stamped(pointer.position if pointer else None, end, 0, moved=False)
