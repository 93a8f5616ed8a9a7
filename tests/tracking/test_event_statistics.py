"""Message Center statistics per event type, channel and local day, rebuilt over the
recent days only, never over days whose events may already be purged."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from campaign.choices import EventStatus
from campaign.models import Channel, Event, EventType, RetentionPeriod
from campaign.tracking import event_statistics
from campaign.tracking.models import EventStatistic

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 10, 12, 0, tzinfo=PARIS)


def events(at, count, status=EventStatus.PROCESSED, kind="order", channel="email"):
    event_type, _ = EventType.objects.get_or_create(name=kind, defaults={"label": kind})
    Event.objects.bulk_create(
        Event(event_type=event_type, channel=Channel.objects.get(code=channel), status=status, created_at=at)
        for _ in range(count)
    )


def figures():
    return {
        (row.day, row.event_type.name, row.channel.code): (
            row.received,
            row.processed,
            row.errors,
            row.ignored,
            row.pending,
        )
        for row in EventStatistic.objects.select_related("event_type", "channel")
    }


def test_events_are_counted_per_type_channel_and_local_day(db):
    # 23:30 in Paris on the 8th is 21:30 UTC: it counts on the 8th.
    events(datetime(2026, 6, 8, 23, 30, tzinfo=PARIS), 3)
    events(datetime(2026, 6, 9, 0, 30, tzinfo=PARIS), 2, status=EventStatus.ERROR)
    events(datetime(2026, 6, 9, 9, 0, tzinfo=PARIS), 1, status=EventStatus.PENDING)
    events(datetime(2026, 6, 9, 9, 0, tzinfo=PARIS), 4, kind="password", channel="sms")
    events(datetime(2026, 6, 10, 8, 0, tzinfo=PARIS), 1, status=EventStatus.IGNORED)
    rebuilt = event_statistics.recompute(NOW)
    assert rebuilt.first_day == date(2026, 6, 4) and rebuilt.rows == 4
    assert figures() == {
        (date(2026, 6, 8), "order", "email"): (3, 3, 0, 0, 0),
        (date(2026, 6, 9), "order", "email"): (3, 0, 2, 0, 1),
        (date(2026, 6, 9), "password", "sms"): (4, 4, 0, 0, 0),
        (date(2026, 6, 10), "order", "email"): (1, 0, 0, 1, 0),
    }


def test_a_rebuild_follows_status_changes_and_leaves_older_days_alone(db):
    events(datetime(2026, 6, 9, 10, 0, tzinfo=PARIS), 2, status=EventStatus.PENDING)
    event_statistics.recompute(NOW)
    old = EventStatistic.objects.create(
        day=date(2026, 5, 1),
        event_type=EventType.objects.get(name="order"),
        channel=Channel.objects.get(code="email"),
        received=9,
        computed_at=NOW - timedelta(days=40),
    )
    Event.objects.update(status=EventStatus.PROCESSED)
    event_statistics.recompute(NOW + timedelta(hours=1))
    assert figures()[(date(2026, 6, 9), "order", "email")] == (2, 2, 0, 0, 0)
    assert EventStatistic.objects.filter(pk=old.pk).exists()
    assert EventStatistic.objects.count() == 2


def test_days_whose_events_may_be_purged_are_never_rebuilt(db):
    RetentionPeriod.objects.update_or_create(key="events", defaults={"days": 3})
    assert event_statistics.first_day(NOW, 3) == date(2026, 6, 8)
    assert event_statistics.first_day(NOW, None) == date(2026, 6, 4)
    assert event_statistics.first_day(NOW, 30) == date(2026, 6, 4)
    events(datetime(2026, 6, 7, 10, 0, tzinfo=PARIS), 5)
    assert event_statistics.recompute(NOW).first_day == date(2026, 6, 8)
    assert not EventStatistic.objects.exists()
