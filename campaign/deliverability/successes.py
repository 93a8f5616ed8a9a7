"""The successes step of deliverabilityUpdate: stamp each quarantine record with the
time of its address's latest successful delivery (`last_success_at`), which cleanup's
quarantine upkeep reads to return an address "with errors" to valid (Adobe §5.2).

It reads the delivery logs by id, after a pointer it keeps (Pointer "log_successes"),
set-based: one UPDATE … FROM (the successes of an id range grouped by address and
channel) per batch of ids, each batch in its own transaction with the pointer's move,
compare-and-set on the pointer's expected position (a second run at once moves nothing
and stops).

Ids are taken at insert but a row becomes visible at commit, so on PostgreSQL "the
highest id seen" alone would skip rows whose transactions commit out of order. The
pointer only ever moves to a *settled* id: the highest visible id, once every
transaction that was writing to the delivery logs when it was read has ended. An
INSERT takes its lock on the table (pg_locks, RowExclusiveLock) before it draws its id
and keeps it until it commits, so when the writers seen holding that lock after the
read are gone, every id at or below it is committed or rolled back. The step waits
for them up to WRITERS_WAIT; if one is still running, the pointer stays where it was and
the next run reads those rows (nothing is lost, nothing blocks a writer). On SQLite,
writers are serialised: the highest id is settled at once.

Assumption (documented in the README): a delivery log becomes successful when it is
inserted (the sending path writes its outcome); a log turned successful later by an
UPDATE keeps its old id and is not seen here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from campaign.choices import LogStatus
from campaign.models import Delivery, DeliveryLog, Quarantine

from .models import Pointer

POINTER = "log_successes"
BATCH_IDS = 500_000
WRITERS_WAIT = 30.0
POLL_SECONDS = 0.2
SUCCESS = (LogStatus.SENT, LogStatus.DELIVERED)

LOGS = DeliveryLog._meta.db_table
DELIVERIES = Delivery._meta.db_table
QUARANTINE = Quarantine._meta.db_table

WRITERS = """
    SELECT DISTINCT virtualtransaction FROM pg_locks
    WHERE locktype = 'relation' AND relation = %s::regclass AND granted
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND mode IN ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
      AND pid IS DISTINCT FROM pg_backend_pid()
"""
STILL_WRITING = WRITERS + " AND virtualtransaction = ANY(%s)"

# A success dated in the future counts as of now: it must not release later errors.
STAMP = f"""
    UPDATE {QUARANTINE} SET last_success_at = found.last_success, updated_at = %s
    FROM (
        SELECT l.address AS address, d.channel_id AS channel_id,
               CASE WHEN MAX(l.event_at) > %s THEN %s ELSE MAX(l.event_at) END AS last_success
        FROM {LOGS} l JOIN {DELIVERIES} d ON d.id = l.delivery_id
        WHERE l.id > %s AND l.id <= %s AND l.status IN (%s, %s) AND l.address <> ''
        GROUP BY l.address, d.channel_id
    ) found
    WHERE {QUARANTINE}.address = found.address AND {QUARANTINE}.channel_id = found.channel_id
      AND ({QUARANTINE}.last_success_at IS NULL OR {QUARANTINE}.last_success_at < found.last_success)
"""


def _db(value):
    return connection.ops.adapt_datetimefield_value(value)


def settled_horizon(wait: float = WRITERS_WAIT) -> int | None:
    """The highest delivery log id at or below which every row is committed (or rolled
    back), or None when writers of the logs table still run after `wait` seconds."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {LOGS}")
        highest = cursor.fetchone()[0]
        if connection.vendor != "postgresql":
            return highest
        cursor.execute(WRITERS, [LOGS])
        writers = [row[0] for row in cursor.fetchall()]
        deadline = time.monotonic() + wait
        while writers:
            if time.monotonic() >= deadline:
                return None
            time.sleep(POLL_SECONDS)
            cursor.execute(STILL_WRITING, [LOGS, writers])
            writers = [row[0] for row in cursor.fetchall()]
    return highest


@dataclass
class Stamped:
    read_from: int
    read_to: int
    records_stamped: int
    waiting_for_writers: bool = False

    def sentence(self) -> str:
        if self.waiting_for_writers:
            return (
                f"Successes: writers of the delivery logs were still running; pointer kept at id "
                f"{self.read_from}, the next run reads on from there"
            )
        if self.read_to == self.read_from:
            return f"Successes: no new delivery log since id {self.read_from}"
        return (
            f"Successes: delivery logs {self.read_from + 1}–{self.read_to} read, "
            f"{self.records_stamped} quarantine records given a later success"
        )


class PointerMoved(Exception):
    """Another run moved the pointer first: it does the work."""


def stamp_successes(now: datetime, *, batch_ids: int = BATCH_IDS, wait: float = WRITERS_WAIT) -> Stamped:
    """Read the successful delivery logs after the pointer up to the settled horizon and
    stamp the quarantine records of their addresses."""
    pointer, _created = Pointer.objects.get_or_create(
        name=POINTER, defaults={"position": 0, "updated_at": now}
    )
    start = pointer.position
    horizon = settled_horizon(wait)
    if horizon is None:
        return Stamped(start, start, 0, waiting_for_writers=True)
    stamped = Stamped(start, start, 0)
    while start < horizon:
        end = min(start + batch_ids, horizon)
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(STAMP, [_db(now), _db(now), _db(now), start, end, *SUCCESS])
                rows = max(cursor.rowcount, 0)
                moved = Pointer.objects.filter(name=POINTER, position=start).update(
                    position=end, updated_at=now
                )
                if not moved:
                    raise PointerMoved
        except PointerMoved:
            break
        stamped.records_stamped += rows
        start = stamped.read_to = end
    return stamped
