"""Active profiles: the window, excluded channels, per-table counting, Message Center,
the upkeep that survives the purge of delivery logs, and the immutable snapshot."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from campaign.choices import EventStatus, ExternalProfileKind, LogStatus, ProfileTable
from campaign.dates import add_months
from campaign.models import DeliveryLog
from reporting import activity
from reporting.models import ActiveContact, ActiveProfileSnapshot, ImmutableError
from reporting.periods import months_before
from workflows.choices import RunStatus, Trigger
from workflows.engine import execute
from workflows.registry import get_spec

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 10, 1, 0, tzinfo=PARIS)  # a daily 01:00 run


def count_at(now, months=12):
    activity.bring_up_to_date(now, months)
    return activity.count(now, months)


# --- Calendar ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 2, 29), -12, date(2023, 2, 28)),  # 29 February, one year back
        (date(2025, 2, 28), -12, date(2024, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),  # month end clamped
        (date(2024, 3, 31), -1, date(2024, 2, 29)),  # leap year
        (date(2026, 1, 31), -2, date(2025, 11, 30)),
        (date(2026, 5, 25), -1, date(2026, 4, 25)),
    ],
)
def test_calendar_months_clamp_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_the_window_is_twelve_calendar_months_in_local_time():
    # 12 months before 29 Feb 2024 01:00 Paris is 28 Feb 2023 01:00 Paris (winter both).
    assert months_before(datetime(2024, 2, 29, 1, 0, tzinfo=PARIS), 12) == datetime(
        2023, 2, 28, 1, 0, tzinfo=PARIS
    )
    # Across daylight saving: 10 June 01:00 (UTC+2) → 10 June 01:00 the year before.
    assert months_before(NOW, 12) == datetime(2025, 6, 10, 1, 0, tzinfo=PARIS)


# --- Counting rules ----------------------------------------------------------


def test_the_window_boundary_is_inclusive_at_twelve_months(world):
    ids = world.recipients(3)
    start = datetime(2025, 6, 10, 1, 0, tzinfo=PARIS)
    delivery = world.delivery()
    world.logs(delivery, [ids[0]], start)  # exactly 12 months before: active
    world.logs(delivery, [ids[1]], start - timedelta(seconds=1))  # one second earlier: not
    world.logs(delivery, [ids[2]], NOW - timedelta(minutes=1))
    result = count_at(NOW)
    assert result.per_table[ProfileTable.RECIPIENT] == 2
    assert result.window_start == start


def test_on_29_february_the_window_starts_on_28_february(world):
    ids = world.recipients(2)
    delivery = world.delivery()
    now = datetime(2024, 2, 29, 1, 0, tzinfo=PARIS)
    world.logs(delivery, [ids[0]], datetime(2023, 2, 28, 1, 0, tzinfo=PARIS))
    world.logs(delivery, [ids[1]], datetime(2023, 2, 28, 0, 59, 59, tzinfo=PARIS))
    with time_machine.travel(now, tick=False):
        result = count_at(now)
    assert result.per_table[ProfileTable.RECIPIENT] == 1
    assert result.window_start == datetime(2023, 2, 28, 1, 0, tzinfo=PARIS)


def test_any_log_status_counts_and_a_profile_counts_once(world):
    ids = world.recipients(4)
    first, second = world.delivery(), world.delivery(label="Second")
    at = NOW - timedelta(days=3)
    world.logs(first, ids[:2], at, status=LogStatus.FAILED)
    world.logs(first, ids[2:3], at, status=LogStatus.IGNORED)
    world.logs(second, ids[:3], at, status=LogStatus.SENT)  # again: still once each
    result = count_at(NOW)
    assert result.per_table[ProfileTable.RECIPIENT] == 3
    assert result.total == 3


def test_facebook_and_twitter_do_not_count(world):
    ids = world.recipients(3)
    at = NOW - timedelta(days=1)
    world.logs(world.delivery("facebook"), [ids[0]], at)
    world.logs(world.delivery("twitter"), [ids[1]], at)
    world.logs(world.delivery("sms"), [ids[2]], at)
    result = count_at(NOW)
    assert result.total == 1
    assert result.excluded_channels == ["facebook", "twitter"]
    assert "facebook" not in result.per_channel
    assert result.per_channel["sms"] == 1


def test_each_profile_table_counts_on_its_own(world):
    recipients = world.recipients(2)
    cookies = world.externals(ExternalProfileKind.COOKIE, 3, linked_to=recipients)
    at = NOW - timedelta(days=10)
    world.logs(world.delivery(), recipients, at)
    world.logs(world.delivery(table=ProfileTable.COOKIE), cookies, at)
    result = count_at(NOW)
    # The same person as a recipient and as a cookie id counts twice: no cross-table deduplication.
    assert result.per_table == {"recipient": 2, "cookie": 3, "customer": 0, "mobile": 0}
    assert result.total == 5
    totals, linked = activity.profile_totals()
    assert totals["cookie"] == 3 and totals["recipient"] == 2
    assert linked == {"cookie": 2}


def test_a_profile_active_on_two_channels_is_under_both_and_once_in_the_total(world):
    ids = world.recipients(2)
    at = NOW - timedelta(days=2)
    world.logs(world.delivery("email"), ids, at)
    world.logs(world.delivery("sms"), ids[:1], at)
    result = count_at(NOW)
    assert result.total == 2
    assert result.per_channel["email"] == 2
    assert result.per_channel["sms"] == 1


def test_message_center_messages_to_a_known_profile_count(world):
    ids = world.recipients(3)
    at = NOW - timedelta(days=5)
    world.message(ids[0], at, channel="sms")
    world.message(None, at)  # to an address only: no profile to count
    world.message(ids[1], at, status=EventStatus.PENDING)  # not sent
    result = count_at(NOW)
    assert result.total == 1
    assert result.per_channel["sms"] == 1


# --- Upkeep ---------------------------------------------------------------------


def test_the_upkeep_reads_only_what_is_new_and_keeps_the_latest_time(world):
    ids = world.recipients(2)
    delivery = world.delivery()
    world.logs(delivery, ids[:1], NOW - timedelta(days=20))
    first = activity.bring_up_to_date(NOW, 12)
    assert first.bootstrap and first.rows_written == 1
    later = NOW + timedelta(days=1)
    world.logs(delivery, ids, later - timedelta(hours=1))
    second = activity.bring_up_to_date(later, 12)
    assert not second.bootstrap
    assert second.logs_read[0] == first.logs_read[1]  # from where the first one stopped
    assert second.rows_written == 2
    assert ActiveContact.objects.count() == 2
    latest = ActiveContact.objects.get(profile_id=ids[0]).last_activity_at
    assert latest == later - timedelta(hours=1)


def _schema(table):
    from django.db import connection

    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: (info["columns"], info["primary_key"], info["unique"], info["index"], info["foreign_key"])
        for name, info in constraints.items()
    }


def test_the_bulk_build_leaves_the_table_s_keys_and_indexes_as_it_found_them(world):
    from django.db import IntegrityError, connection, transaction

    table = ActiveContact._meta.db_table
    before = _schema(table)
    ids = world.recipients(2)
    world.logs(world.delivery(), ids, NOW - timedelta(days=3))
    assert activity.bring_up_to_date(NOW, 12).bootstrap
    after = _schema(table)
    assert after == before
    assert ["id"] in [info[0] for info in after.values() if info[1]]  # the primary key is back
    assert ["profile_id", "profile_table", "channel_id"] in [info[0] for info in after.values() if info[2]]
    contact = ActiveContact.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique key is back
        ActiveContact.objects.create(
            profile_table=contact.profile_table,
            profile_id=contact.profile_id,
            channel_id=contact.channel_id,
            last_activity_at=NOW,
        )
    if connection.vendor == "postgresql":
        with pytest.raises(IntegrityError), transaction.atomic():  # and the channel's key
            ActiveContact.objects.filter(pk=contact.pk).update(channel_id=10**9)
            connection.check_constraints()


def purge_with_cleanup(now, *steps):
    """Run steps of the cleanup workflow (campaign/cleanup.py) with the default retention."""
    from campaign import cleanup

    metrics = {}
    cleanup.run_steps(now, log=lambda line: None, metrics=metrics, only=set(steps))
    return metrics


def test_the_count_is_unchanged_after_the_logs_older_than_180_days_are_purged(world):
    ids = world.recipients(5)
    cookies = world.externals(ExternalProfileKind.COOKIE, 2)
    world.logs(
        world.delivery(), ids[:3], NOW - timedelta(days=300)
    )  # only in active contacts after the purge
    world.logs(world.delivery("sms"), ids[3:], NOW - timedelta(days=30))
    world.logs(world.delivery(table=ProfileTable.COOKIE), cookies, NOW - timedelta(days=200))
    before = count_at(NOW)
    assert before.total == 7
    purged = purge_with_cleanup(NOW, "delivery_logs")  # Adobe's default: 180 days
    assert purged["delivery_logs_rows"] == 5
    assert DeliveryLog.objects.count() == 2
    after = count_at(NOW + timedelta(days=1))
    assert (after.total, after.per_table, after.per_channel) == (
        before.total,
        before.per_table,
        before.per_channel,
    )


def test_the_cleanup_workflow_purges_contacts_that_left_the_window(world):
    ids = world.recipients(4)
    world.logs(world.delivery(), ids[:1], NOW - timedelta(days=366))
    world.logs(world.delivery(), ids[1:], NOW - timedelta(days=364))
    activity.bring_up_to_date(NOW - timedelta(days=300), 12)
    assert ActiveContact.objects.count() == 4
    purged = purge_with_cleanup(NOW, "active_contacts")
    assert purged["active_contacts_rows"] == 1
    assert sorted(ActiveContact.objects.values_list("profile_id", flat=True)) == ids[1:]
    assert count_at(NOW).total == 3


def test_the_count_is_one_query_per_profile_table(world, django_assert_max_num_queries):
    ids = world.recipients(3)
    world.logs(world.delivery(), ids, NOW - timedelta(days=1))
    activity.bring_up_to_date(NOW, 12)
    with django_assert_max_num_queries(2 + len(ProfileTable.values)):  # channels ×2, then one per table
        activity.count(NOW, 12)


# --- Snapshot and workflow ------------------------------------------------------


def test_the_daily_run_stores_an_immutable_snapshot_linked_to_its_run(world):
    ids = world.recipients(4)
    world.externals(ExternalProfileKind.MOBILE, 2)
    with time_machine.travel(NOW, tick=False):
        world.logs(world.delivery(), ids[:3], NOW - timedelta(days=1))
        run = execute(get_spec("billingActiveContactCount"), trigger=Trigger.MANUAL)
    assert run.status == RunStatus.SUCCEEDED, run.error
    snapshot = ActiveProfileSnapshot.objects.get()
    assert snapshot.run_id == run.pk
    assert snapshot.total == 3 == run.metrics["active_profiles"]
    assert snapshot.per_table["recipient"] == 3
    assert snapshot.profiles_per_table == {"recipient": 4, "cookie": 0, "customer": 0, "mobile": 2}
    assert snapshot.window_months == 12
    assert snapshot.excluded_channels == ["facebook", "twitter"]
    assert snapshot.computed_at == NOW
    snapshot.total = 1
    with pytest.raises(ImmutableError):
        snapshot.save()
    with pytest.raises(ImmutableError):
        snapshot.delete()
    assert ActiveProfileSnapshot.objects.get().total == 3


def test_a_run_at_a_scheduled_slot_counts_as_of_its_own_time(world):
    ids = world.recipients(1)
    world.logs(world.delivery(), ids, datetime(2026, 6, 9, 12, 0, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 6, 10, 1, 0, 5, tzinfo=PARIS), tick=False):
        run = execute(get_spec("billingActiveContactCount"), trigger=Trigger.SCHEDULE)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.slot == datetime(2026, 6, 10, 1, 0, tzinfo=PARIS)
    assert ActiveProfileSnapshot.objects.get().total == 1


def test_a_message_counts_once_routed_whatever_its_delivery_did_then(world):
    """Processed, then sent, ignored or failed: the profile was reached (Adobe KB
    ka-26812). Never routed (pending, error, not covered, expired): not active."""
    routed = [EventStatus.PROCESSED, EventStatus.SENT, EventStatus.IGNORED, EventStatus.FAILED]
    never = [EventStatus.PENDING, EventStatus.ERROR, EventStatus.NOT_COVERED, EventStatus.EXPIRED]
    ids = world.recipients(len(routed) + len(never))
    at = NOW - timedelta(days=2)
    for profile_id, status in zip(ids, routed + never, strict=True):
        world.message(profile_id, at, status=status)
    assert count_at(NOW).total == len(routed)
    assert sorted(ActiveContact.objects.values_list("profile_id", flat=True)) == ids[: len(routed)]


def test_a_message_sent_between_two_upkeeps_still_counts(world):
    """Pending at one run, processed and sent before the next: read by its change."""
    (profile,) = world.recipients(1)
    message = world.message(profile, NOW - timedelta(days=1), status=EventStatus.PENDING)
    assert count_at(NOW).total == 0
    later = NOW + timedelta(hours=2)
    type(message).objects.filter(pk=message.pk).update(
        status=EventStatus.SENT, processed_at=later - timedelta(hours=1)
    )
    assert count_at(later).total == 1
