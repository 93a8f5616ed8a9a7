"""The successes step: the latest successful delivery of each address (per channel)
stamped on its quarantine record, read by id after a pointer that only moves to a
settled id (safe against transactions committing out of order)."""

from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from campaign.choices import LogStatus, QuarantineStatus
from campaign.deliverability import successes
from campaign.deliverability.models import Pointer
from campaign.models import Channel, DeliveryLog, Quarantine

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
    result = successes.stamp_successes(T0 + timedelta(days=5))
    assert result.records_stamped == 1
    assert result.read_to == DeliveryLog.objects.order_by("-id").first().id
    assert stamped("a@example.com") == T0 + timedelta(days=2)
    assert stamped("b@example.com") is None
    assert stamped("a@example.com", channel="sms") is None
    assert Pointer.objects.get(name=successes.POINTER).position == result.read_to


def test_a_second_run_reads_only_what_is_new(world):
    entry("a@example.com")
    delivery = world.delivery()
    world.log(delivery, "a@example.com", T0 + timedelta(days=1))
    first = successes.stamp_successes(T0 + timedelta(days=2))
    again = successes.stamp_successes(T0 + timedelta(days=2))
    assert (again.read_from, again.read_to, again.records_stamped) == (first.read_to, first.read_to, 0)
    assert "no new delivery log" in again.sentence()
    world.log(delivery, "a@example.com", T0 + timedelta(days=3))
    third = successes.stamp_successes(T0 + timedelta(days=4))
    assert third.records_stamped == 1 and stamped("a@example.com") == T0 + timedelta(days=3)


def test_small_batches_give_the_same_result(world):
    for n in range(5):
        entry(f"r{n}@example.com")
    delivery = world.delivery()
    for n in range(5):
        world.log(delivery, f"r{n}@example.com", T0 + timedelta(hours=n), profile_id=n)
    result = successes.stamp_successes(T0 + timedelta(days=1), batch_ids=2)
    assert result.records_stamped == 5
    assert Quarantine.objects.filter(last_success_at__isnull=True).count() == 0


def test_a_success_dated_in_the_future_counts_as_now(world):
    entry("a@example.com")
    world.log(world.delivery(), "a@example.com", T0 + timedelta(days=30))
    successes.stamp_successes(T0 + timedelta(days=1))
    assert stamped("a@example.com") == T0 + timedelta(days=1)


def test_a_run_that_loses_the_pointer_to_another_does_nothing(world, monkeypatch):
    entry("a@example.com")
    world.log(world.delivery(), "a@example.com", T0 + timedelta(days=1))
    settle = successes.settled_horizon

    def another_run_first(wait):
        horizon = settle(wait)
        Pointer.objects.filter(name=successes.POINTER).update(position=horizon)
        return horizon

    monkeypatch.setattr(successes, "settled_horizon", another_run_first)
    result = successes.stamp_successes(T0 + timedelta(days=2))
    assert (result.read_to, result.records_stamped) == (result.read_from, 0)
    assert stamped("a@example.com") is None  # its batch was rolled back


@pytest.mark.postgres
def test_a_log_committed_after_a_later_one_is_not_skipped(world):
    """Two PostgreSQL connections commit out of order: the earlier id commits last.
    "The highest id seen" would skip it; the settled horizon waits for it."""
    if connection.vendor != "postgresql":
        pytest.skip("out-of-order commits are PostgreSQL's (SQLite serialises writers)")
    entry("early@example.com")
    entry("late@example.com")
    delivery = world.delivery()
    params = connection.get_connection_params()
    other = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
    try:
        with other.cursor() as cursor:  # an open transaction takes the lower id ...
            cursor.execute(
                "INSERT INTO campaign_deliverylog (delivery_id, profile_table, profile_id, address, status, "
                "failure_type, failure_reason, error_text, message_size, event_at) "
                "VALUES (%s, 'recipient', 1, 'early@example.com', 'delivered', '', '', '', 0, %s) "
                "RETURNING id",
                [delivery.pk, T0 + timedelta(days=1)],
            )
            early_id = cursor.fetchone()[0]
        late = world.log(
            delivery, "late@example.com", T0 + timedelta(days=1), profile_id=2
        )  # ... commits first
        assert late.id > early_id

        waiting = successes.stamp_successes(T0 + timedelta(days=2), wait=0.5)
        assert waiting.waiting_for_writers and "still running" in waiting.sentence()
        assert Pointer.objects.get(name=successes.POINTER).position == 0
        assert stamped("late@example.com") is None

        other.commit()
        done = successes.stamp_successes(T0 + timedelta(days=2), wait=0.5)
        assert done.read_to == late.id and done.records_stamped == 2
        assert stamped("early@example.com") == T0 + timedelta(days=1)
    finally:
        other.close()


def test_the_horizon_is_the_highest_id_when_nobody_writes(world):
    world.log(world.delivery(), "a@example.com", timezone.now())
    assert successes.settled_horizon(wait=0) == DeliveryLog.objects.order_by("-id").first().id
