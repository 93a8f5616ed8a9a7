"""The archive of Message Center events (Adobe's archived events, 360 days) and how it
stays complete while the queue (campaign.Event) keeps events 30 days.

- The intake writes each event to the queue and to the archive in one transaction
  (the archived copy names its queue row in `event_id`): an event pushed through the
  intake is archived from its first second, whatever happens to the queue later.
- `sync()` copies the queue into the archive in one set-based statement: events that
  reached the queue another way (the admin, generated data) are added, and the
  archived copy of every queued event takes the queue's status, processing time, error
  count and profile (processing happens in the queue). agg_messageCenter_full runs it
  before each rebuild: daily at 03:00, an hour before cleanup purges the queue's
  events older than 30 days, each of which has then been synchronised on ~30 runs.
"""

from django.db import connection, transaction

from campaign.models import Event

from .models import ArchivedEvent

QUEUE = Event._meta.db_table
ARCHIVE = ArchivedEvent._meta.db_table

# Copied when the queue's value differs (what processing changes).
UPDATED = ("status", "processed_at", "error_count", "profile_table", "profile_id")


def sync_sql(vendor):
    """The upsert of the queue into the archive. `WHERE true` keeps SQLite's parser
    from reading ON CONFLICT as a join constraint."""
    distinct = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    changed = " OR ".join(f"{ARCHIVE}.{column} {distinct} excluded.{column}" for column in UPDATED)
    updates = ", ".join(f"{column} = excluded.{column}" for column in UPDATED)
    return f"""
        INSERT INTO {ARCHIVE} (event_id, event_type_id, channel_id, status, email, mobile_phone, scheduled_at,
                               profile_table, profile_id, created_at, processed_at, error_count, payload,
                               intake_key_id)
        SELECT queue.id, queue.event_type_id, queue.channel_id, queue.status, queue.email, '', NULL,
               queue.profile_table, queue.profile_id, queue.created_at, queue.processed_at,
               queue.error_count, queue.payload, NULL
        FROM {QUEUE} AS queue
        WHERE true
        ON CONFLICT (event_id) DO UPDATE SET {updates}
        WHERE {changed}
    """


def sync():
    """Bring the archive up to date with the queue; returns the rows added or changed."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sync_sql(connection.vendor))
        return max(cursor.rowcount, 0)
