"""A delivery log or a Message Center message that becomes countable late still counts:
the upkeep reads by change order (campaign.changes), not by event time."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from campaign import changes, cleanup
from campaign.choices import EventStatus, LogStatus
from campaign.models import DeliveryLog, Event, ReadMark
from reporting import activity
from reporting.models import ActiveContact, ActiveContactPending

from ..builders import NOW

# Each write in its own transaction, as on a running platform: the change order of a
# PostgreSQL row is its transaction's id.
pytestmark = pytest.mark.django_db(transaction=True)


def settled_upkeep(now):
    """The upkeep once the rows this test wrote are below the horizon: a transaction of
    the test database that started before ours (a worker's, another test process's)
    holds it back until it ends; the next run reads what this one left."""
    deadline = time.monotonic() + 30
    for source, model in changes.SOURCES.items():
        written = model.objects.aggregate(last=Max("change_order"))["last"] or 0
        while changes.horizon(source) <= written and time.monotonic() < deadline:
            time.sleep(0.1)
    return activity.bring_up_to_date(now, 12)


def active_ids():
    return sorted(ActiveContact.objects.values_list("profile_id", flat=True))


def test_a_log_inserted_two_days_after_its_event_time_counts(world):
    ids = world.recipients(3)
    newsletter = world.delivery()
    world.logs(newsletter, ids[:1], NOW - timedelta(days=5))
    settled_upkeep(NOW)
    # An import, or a delayed sync, writes a log dated before the last upkeep.
    world.logs(newsletter, ids[1:2], NOW - timedelta(days=2))
    result = settled_upkeep(NOW + timedelta(days=1))
    assert result.rows_written == 1
    assert active_ids() == ids[:2]
    assert activity.count(NOW + timedelta(days=1), 12).total == 2


def test_a_message_processed_long_after_it_arrived_counts(world):
    ids = world.recipients(2)
    message = world.message(ids[0], NOW - timedelta(days=40), status=EventStatus.PENDING)
    settled_upkeep(NOW)
    assert active_ids() == []  # not processed: no activity yet
    # Processed now (the update re-stamps its change order); its time is its processing.
    Event.objects.filter(pk=message.pk).update(
        status=EventStatus.PROCESSED, processed_at=NOW - timedelta(days=3)
    )
    settled_upkeep(NOW + timedelta(hours=1))
    assert active_ids() == [ids[0]]


def test_a_log_dated_in_the_future_waits_for_its_time(world):
    ids = world.recipients(1)
    world.logs(world.delivery(), ids, NOW + timedelta(days=3))
    result = settled_upkeep(NOW)
    assert result.rows_pending == 1 and active_ids() == []
    assert ActiveContactPending.objects.count() == 1
    settled_upkeep(NOW + timedelta(days=2))
    assert active_ids() == []  # still in the future
    result = settled_upkeep(NOW + timedelta(days=3, hours=1))
    assert result.rows_released == 1 and active_ids() == ids
    assert ActiveContact.objects.get().last_activity_at == NOW + timedelta(days=3)
    assert not ActiveContactPending.objects.exists()


def test_cleanup_never_purges_a_log_the_upkeep_has_not_read(world):
    ids = world.recipients(2)
    newsletter = world.delivery()
    world.logs(newsletter, ids[:1], NOW - timedelta(days=10))
    settled_upkeep(NOW)  # the upkeep reads (its mark exists from now on)
    # A late import of a log already past the 180-day retention of delivery logs, but
    # within the 12-month active window.
    world.logs(newsletter, ids[1:], NOW - timedelta(days=200))
    metrics = {}
    cleanup.run_steps(NOW, log=[].append, metrics=metrics, only={"delivery_logs"})
    assert metrics["delivery_logs_rows"] == 0 and DeliveryLog.objects.count() == 2
    settled_upkeep(NOW + timedelta(hours=1))
    assert active_ids() == ids  # counted…
    cleanup.run_steps(NOW + timedelta(hours=1), log=[].append, metrics=metrics, only={"delivery_logs"})
    assert metrics["delivery_logs_rows"] == 1  # …then purged
    assert activity.count(NOW + timedelta(hours=2), 12).total == 2


def test_the_daily_upkeep_reads_the_changed_rows_not_the_table(world, django_assert_max_num_queries):
    ids = world.recipients(50)
    newsletter = world.delivery()
    world.logs(newsletter, ids, NOW - timedelta(days=30))
    settled_upkeep(NOW)
    mark = ReadMark.objects.get(consumer=activity.CONSUMER, source="delivery_logs").position
    world.logs(newsletter, ids[:2], NOW - timedelta(hours=3))
    result = settled_upkeep(NOW + timedelta(days=1))
    assert result.logs_read[0] == mark
    assert result.rows_written == 2  # only the two new logs were read


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_transactions_committing_out_of_order_lose_no_row(world):
    """Two PostgreSQL connections: the one that writes first commits last. "The highest
    change seen" would skip its row; the snapshot horizon reads it at the next run."""
    if connection.vendor != "postgresql":
        pytest.skip("the transaction-id change order is PostgreSQL's")
    import psycopg2

    ids = world.recipients(2)
    newsletter = world.delivery()
    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    try:
        slow = other.cursor()  # begins a transaction: it takes its id first
        slow.execute(
            "INSERT INTO campaign_deliverylog (delivery_id, profile_table, profile_id, address, status, "
            "failure_type, failure_reason, error_text, message_size, event_at) "
            "VALUES (%s, 'recipient', %s, '', %s, '', '', '', 0, %s)",
            [newsletter.pk, ids[0], LogStatus.SENT, timezone.now() - timedelta(days=1)],
        )
        world.logs(newsletter, ids[1:], timezone.now() - timedelta(days=1))  # a later transaction, committed
        now = timezone.now()
        first = activity.bring_up_to_date(now, 12)  # while the slow transaction runs
        # The fast row is above the horizon while the slow transaction runs: not read yet.
        assert active_ids() == []
        other.commit()  # the first writer commits last
        second = settled_upkeep(now + timedelta(minutes=1))
        assert second.logs_read[0] == first.logs_read[1]
        assert active_ids() == ids  # both: nothing lost
    finally:
        other.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_long_transaction_in_another_database_does_not_hold_the_upkeep_back(world):
    """Transaction ids are the server's; one running in another database of the same
    server (a report, a migration, another application) cannot write our tables."""
    if connection.vendor != "postgresql":
        pytest.skip("the transaction-id change order is PostgreSQL's")
    import psycopg2

    settings = connection.settings_dict
    other = psycopg2.connect(
        dbname="postgres",
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    same = psycopg2.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
    )
    try:
        elsewhere = other.cursor()
        elsewhere.execute("SELECT pg_current_xact_id()::text::bigint")  # takes an id, stays open
        (elsewhere_id,) = elsewhere.fetchone()
        ids = world.recipients(2)
        world.logs(world.delivery(), ids, timezone.now() - timedelta(days=1))
        assert changes.horizon("delivery_logs") > elsewhere_id
        settled_upkeep(timezone.now())
        assert active_ids() == ids  # read while the other database's transaction runs

        here = same.cursor()  # the same database: it does hold the horizon back
        here.execute("SELECT pg_current_xact_id()::text::bigint")
        (here_id,) = here.fetchone()
        assert changes.horizon("delivery_logs") <= here_id
    finally:
        other.close()
        same.close()
