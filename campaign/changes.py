"""Change order: read what was written since the last read, whatever its time fields.

Delivery logs and Message Center messages carry `change_order`, stamped by the write
that makes them countable (a log when it is inserted, a message when it is inserted
and again when it is processed). A consumer keeps a ReadMark per source and reads the
rows with `mark <= change_order < horizon()`, then moves its mark to that horizon.

Why it is safe against transactions committing out of order:
- PostgreSQL stamps the writing transaction's id. `horizon()` is the oldest other
  transaction of this database still running when the read starts (from the snapshot's list of running
  transactions; the next id to come when none runs): every row stamped below it is
  committed (or rolled back) and visible to the read; rows of transactions still
  running are at or above it and are read next time. ("The highest
  id seen" would skip a row whose transaction took its id first and committed last;
  a time mark would need a margin nobody can bound.)
- SQLite serialises writers, and a trigger numbers rows as they are written, so the
  next number after the highest committed one is the horizon.

The columns are added without rewriting the tables (nullable, then a default for new
rows); rows written before have no change order and are read once, by the first
reading of a consumer. `install()` creates what Django's state does not describe
(PostgreSQL's default is in the state; the BRIN index and the messages' processing
trigger; SQLite's numbering triggers), idempotently: the migration and every migrate
call it (SQLite drops triggers when a migration remakes a table).
"""

from dataclasses import dataclass

from django.db import connection, connections
from django.utils import timezone

from .models import DeliveryLog, Event, ReadMark

SOURCES = {"delivery_logs": DeliveryLog, "messages": Event}

POSTGRES_SQL = [
    # The logs are appended in change order: a BRIN index stays tiny and lets the
    # upkeep read one day of changes out of millions of rows.
    "CREATE INDEX IF NOT EXISTS campaign_log_change_order ON campaign_deliverylog USING brin (change_order)",
    # Messages are re-stamped when processed: a B-tree (the table is the 30-day queue).
    "CREATE INDEX IF NOT EXISTS campaign_event_change_order ON campaign_event (change_order)",
    """
    CREATE OR REPLACE FUNCTION campaign_event_stamp_change() RETURNS trigger AS $$
    BEGIN
        IF NEW.processed_at IS DISTINCT FROM OLD.processed_at OR NEW.status IS DISTINCT FROM OLD.status THEN
            NEW.change_order := pg_current_xact_id()::text::bigint;
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS campaign_event_stamp_change ON campaign_event",
    """
    CREATE TRIGGER campaign_event_stamp_change BEFORE UPDATE ON campaign_event
    FOR EACH ROW EXECUTE FUNCTION campaign_event_stamp_change()
    """,
]


def _sqlite_number(table, when):
    return f"""
    UPDATE {table} SET change_order = (SELECT COALESCE(MAX(change_order), 0) + 1 FROM {table})
    WHERE id = NEW.id AND {when};
    """


SQLITE_SQL = [
    "CREATE INDEX IF NOT EXISTS campaign_log_change_order ON campaign_deliverylog (change_order)",
    "CREATE INDEX IF NOT EXISTS campaign_event_change_order ON campaign_event (change_order)",
    "CREATE TRIGGER IF NOT EXISTS campaign_log_number_change AFTER INSERT ON campaign_deliverylog "
    "FOR EACH ROW WHEN NEW.change_order IS NULL BEGIN "
    + _sqlite_number("campaign_deliverylog", "1")
    + " END",
    "CREATE TRIGGER IF NOT EXISTS campaign_event_number_change AFTER INSERT ON campaign_event "
    "FOR EACH ROW WHEN NEW.change_order IS NULL BEGIN " + _sqlite_number("campaign_event", "1") + " END",
    "CREATE TRIGGER IF NOT EXISTS campaign_event_number_processing AFTER UPDATE OF processed_at, status "
    "ON campaign_event FOR EACH ROW WHEN NEW.processed_at IS NOT OLD.processed_at "
    "OR NEW.status IS NOT OLD.status BEGIN " + _sqlite_number("campaign_event", "1") + " END",
]


def install(schema_connection=None):
    """Create the indexes and triggers of change order (idempotent)."""
    target = schema_connection or connection
    statements = POSTGRES_SQL if target.vendor == "postgresql" else SQLITE_SQL
    with target.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def horizon(source):
    """Rows of `source` with a change order below this are all committed and visible
    now; rows at or above it may still be written (read them next time)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The oldest other transaction still running (the snapshot's list leaves out
            # this one), else the next id to be given out; one past this transaction's
            # own id when it is that next id (its own writes are visible to it).
            # Transaction ids are the server's: one proven to belong to another database
            # (its lock held by a session there, or prepared there) cannot write these
            # tables and does not hold the horizon back. One that ended since the
            # snapshot proves nothing and is kept: it is visible to the read anyway.
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # sessions as of now
            cursor.execute(
                "SELECT LEAST("
                "(SELECT MIN(running.xid::text::bigint) FROM pg_snapshot_xip(snapshot) AS running(xid) "
                "WHERE NOT EXISTS (SELECT 1 FROM pg_locks lock JOIN pg_stat_activity session "
                "ON session.pid = lock.pid WHERE lock.locktype = 'transactionid' "
                "AND lock.transactionid = xid(running.xid) AND session.datname <> current_database()) "
                "AND NOT EXISTS (SELECT 1 FROM pg_prepared_xacts prepared "
                "WHERE prepared.transaction = xid(running.xid) "
                "AND prepared.database <> current_database())), "
                "pg_snapshot_xmax(snapshot)::text::bigint "
                "+ CASE WHEN pg_snapshot_xmax(snapshot) = pg_current_xact_id_if_assigned() THEN 1 ELSE 0 END"
                ") FROM pg_current_snapshot() AS snapshot"
            )
        else:
            table = connection.ops.quote_name(SOURCES[source]._meta.db_table)
            cursor.execute(f"SELECT COALESCE(MAX(change_order), 0) + 1 FROM {table}")
        return int(cursor.fetchone()[0])


def own_writes():
    """The change order of the rows this transaction wrote itself (visible to it, and
    final as far as it is concerned), or None: PostgreSQL only, and only once it wrote.
    A read may add them to its window (a test writes and reads in one transaction)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id_if_assigned()::text::bigint")
        return cursor.fetchone()[0]


@dataclass(frozen=True)
class Unread:
    """The change orders a consumer has not read: [start, end). start None: the
    consumer never read this source (read everything below end, and the rows older
    than change order)."""

    source: str
    start: int | None
    end: int


def unread(consumer, source):
    """What `consumer` has not read of `source` yet, up to the horizon (taken first)."""
    end = horizon(source)
    marks = ReadMark.objects.filter(consumer=consumer, source=source)
    start = marks.values_list("position", flat=True).first()
    return Unread(source, start, end)


def advance(consumer, unread_window, now=None):
    """Record that `consumer` read up to the window's end (call it in the transaction
    that stores what it read)."""
    ReadMark.objects.update_or_create(
        consumer=consumer,
        source=unread_window.source,
        defaults={"position": unread_window.end, "updated_at": now or timezone.now()},
    )


def oldest_unread(source):
    """The lowest mark of any consumer of `source` (rows from it on must be kept), or
    None when nobody reads it."""
    marks = ReadMark.objects.filter(source=source).values_list("position", flat=True)
    return min(marks, default=None)


def install_after_migrate(sender, using="default", **kwargs):
    """After the campaign app's migrations (the tables exist), on the migrated database."""
    if sender.label == "campaign":
        install(connections[using])
