"""The successes step: the latest successful delivery of each address (per channel)
stamped on its quarantine record, read in the core's change order after a pointer that
only moves to the change horizon (safe against transactions committing out of order)."""

from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
from django.db import connection

from campaign import changes
from campaign.choices import LogStatus, QuarantineStatus
from campaign.deliverability import successes
from campaign.deliverability.models import Pointer
from campaign.models import Channel, DeliveryLog, Quarantine

from .conftest import settle_logs

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def entry(address, channel="email", **fields):
    return Quarantine.objects.create(
        address=address,
        channel=Channel.objects.get(code=channel),
        status=fields.pop("status", QuarantineStatus.WITH_ERRORS),
        error_count=1,
        last_error_at=T0,
        created_at=T0,
        updated_at=T0,
        **fields,
    )


def stamped(address, channel="email"):
    return Quarantine.objects.get(address=address, channel__code=channel).last_success_at


def test_only_successes_of_the_same_address_and_channel_count(world):
    entry("a@example.com")
    entry("b@example.com")
    entry("a@example.com", channel="sms")
    email, sms = world.delivery(), world.delivery(channel="sms")
    world.log(email, "a@example.com", T0 + timedelta(days=1), LogStatus.SENT)
    world.log(email, "a@example.com", T0 + timedelta(days=2), LogStatus.DELIVERED)
    world.log(email, "b@example.com", T0 + timedelta(days=3), LogStatus.FAILED)
    world.log(email, "A@example.com", T0 + timedelta(days=4), LogStatus.DELIVERED)  # another address
    world.log(sms, "other", T0 + timedelta(days=3), LogStatus.DELIVERED)
    settle_logs()
    result = successes.stamp_successes(T0 + timedelta(days=5))
    assert result.read_from is None and result.records_stamped == 1
    assert stamped("a@example.com") == T0 + timedelta(days=2)
    assert stamped("b@example.com") is None
    assert stamped("a@example.com", channel="sms") is None
    assert Pointer.objects.get(name=successes.POINTER).position == result.read_to


def test_a_second_run_reads_only_what_is_new(world):
    entry("a@example.com")
    delivery = world.delivery()
    world.log(delivery, "a@example.com", T0 + timedelta(days=1))
    settle_logs()
    first = successes.stamp_successes(T0 + timedelta(days=2))
    Quarantine.objects.update(last_success_at=None)  # were the same logs read again, it would come back
    settle_logs()
    again = successes.stamp_successes(T0 + timedelta(days=2))
    assert (again.read_from, again.records_stamped) == (first.read_to, 0)
    assert stamped("a@example.com") is None
    world.log(delivery, "a@example.com", T0 + timedelta(days=3))
    settle_logs()
    third = successes.stamp_successes(T0 + timedelta(days=4))
    assert third.records_stamped == 1 and stamped("a@example.com") == T0 + timedelta(days=3)
    assert "quarantine records given a later success" in third.sentence()


def test_the_first_run_reads_the_logs_written_before_change_order_too(world):
    for n in range(3):
        entry(f"r{n}@example.com")
    delivery = world.delivery()
    for n in range(3):
        world.log(delivery, f"r{n}@example.com", T0 + timedelta(hours=n), profile_id=n)
    DeliveryLog.objects.filter(address="r0@example.com").update(change_order=None)  # before the column
    settle_logs()
    result = successes.stamp_successes(T0 + timedelta(days=1))
    assert result.records_stamped == 3
    assert Quarantine.objects.filter(last_success_at__isnull=True).count() == 0


def test_a_success_dated_in_the_future_counts_as_now(world):
    entry("a@example.com")
    world.log(world.delivery(), "a@example.com", T0 + timedelta(days=30))
    settle_logs()
    successes.stamp_successes(T0 + timedelta(days=1))
    assert stamped("a@example.com") == T0 + timedelta(days=1)


def test_a_run_that_loses_the_pointer_to_another_does_nothing(world, monkeypatch):
    settle_logs()
    successes.stamp_successes(T0)
    entry("a@example.com")
    world.log(world.delivery(), "a@example.com", T0 + timedelta(days=1))
    horizon = changes.horizon

    def another_run_first(source):
        end = horizon(source)
        Pointer.objects.filter(name=successes.POINTER).update(position=end)
        return end

    settle_logs()
    monkeypatch.setattr(changes, "horizon", another_run_first)
    result = successes.stamp_successes(T0 + timedelta(days=2))
    assert (result.moved, result.records_stamped) == (False, 0)
    assert "another run" in result.sentence()
    assert stamped("a@example.com") is None  # its statement was rolled back


@pytest.mark.postgres
def test_a_log_committed_after_a_later_one_is_not_skipped(world):
    """Two PostgreSQL connections commit out of order: the log written first commits
    last. "The highest id seen" would skip it; the change horizon waits for it."""
    if connection.vendor != "postgresql":
        pytest.skip("out-of-order commits are PostgreSQL's (SQLite serialises writers)")
    entry("early@example.com")
    entry("late@example.com")
    delivery = world.delivery()
    successes.stamp_successes(T0)  # the pointer exists: from now on, reads since it
    params = connection.get_connection_params()
    other = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        with other.cursor() as cursor:  # an open transaction writes a log first ...
            cursor.execute(
                "INSERT INTO campaign_deliverylog (delivery_id, profile_table, profile_id, address, status, "
                "failure_type, failure_reason, error_text, message_size, event_at) "
                "VALUES (%s, 'recipient', 1, 'early@example.com', 'delivered', '', '', '', 0, %s) "
                "RETURNING id",
                [delivery.pk, T0 + timedelta(days=1)],
            )
            early_id = cursor.fetchone()[0]
        # ... a later transaction writes one and commits first.
        late = world.log(delivery, "late@example.com", T0 + timedelta(days=1), profile_id=2)
        assert late.id > early_id

        waiting = successes.stamp_successes(T0 + timedelta(days=2))
        assert waiting.records_stamped == 0  # both wait for the open transaction
        assert stamped("late@example.com") is None and stamped("early@example.com") is None

        other.commit()
        settle_logs()
        done = successes.stamp_successes(T0 + timedelta(days=2))
        assert done.records_stamped == 2
        assert stamped("early@example.com") == T0 + timedelta(days=1)
        assert stamped("late@example.com") == T0 + timedelta(days=1)
    finally:
        other.close()
