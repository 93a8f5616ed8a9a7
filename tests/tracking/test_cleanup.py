"""Tracking's tables in cleanup: purged by age per their retention, gone with a deleted
delivery; and the reference's rule on stopped deliveries, which needs the counters."""

from datetime import date, timedelta

from django.utils import timezone

from campaign import cleanup
from campaign.choices import DeliveryState, LogStatus, TrackingKind
from campaign.models import Delivery, EventType, TrackingHit
from campaign.tracking import consolidation, indicators
from campaign.tracking.models import (
    DeliveryIndicators,
    EventStatistic,
    TrackingLog,
    TrackingStatistic,
)
from tests.builders import purge

from .conftest import NOW


def run(*only, now=NOW):
    lines, metrics = [], {}
    cleanup.run_steps(now, log=lines.append, metrics=metrics, only=only or None)
    return metrics, lines


def tracked_delivery(tracking, at, label="Newsletter", hits=2):
    delivery = tracking.delivery(label, started_at=at - timedelta(hours=1))
    logs = tracking.logs(delivery, hits, at=at)
    url = tracking.url(delivery, TrackingKind.OPEN)
    for log in logs:
        tracking.hit(log, url, at=at)
    consolidation.consolidate(NOW, 1000, log=lambda line: None)
    indicators.recompute(NOW)
    return delivery


def test_tracking_logs_and_statistics_go_after_their_retention(tracking):
    purge(tracking_logs_days=30, consolidated_tracking_days=60)
    tracked_delivery(tracking, NOW - timedelta(days=45), "old")
    tracked_delivery(tracking, NOW - timedelta(days=10), "recent")
    metrics, lines = run("tracking_logs", "consolidated_tracking")
    assert metrics["tracking_logs_rows"] == 2 and metrics["consolidated_tracking_rows"] == 0
    assert set(TrackingLog.objects.values_list("delivery__label", flat=True)) == {"recent"}
    assert TrackingStatistic.objects.count() == 2
    purge(consolidated_tracking_days=40)
    assert run("consolidated_tracking")[0]["consolidated_tracking_rows"] == 1


def test_tracking_tables_kept_forever_when_the_retention_is_empty(tracking):
    purge(tracking_logs_days=None, consolidated_tracking_days=None)
    tracked_delivery(tracking, NOW - timedelta(days=2000))
    metrics, lines = run("tracking_logs", "consolidated_tracking")
    assert metrics["tracking_logs_rows"] == 0 and TrackingLog.objects.count() == 2
    assert "kept forever" in lines[0]


def test_event_statistics_go_by_day(tracking):
    purge(event_statistics_days=10)
    event_type = EventType.objects.create(name="order", label="Order")
    today = timezone.localdate(NOW)
    for age in (9, 10, 11, 30):
        EventStatistic.objects.create(
            day=today - timedelta(days=age),
            event_type=event_type,
            channel_id=1,
            received=1,
            computed_at=NOW,
        )
    assert run("event_statistics")[0]["event_statistics_rows"] == 2
    assert sorted(EventStatistic.objects.values_list("day", flat=True)) == [
        today - timedelta(days=10),
        today - timedelta(days=9),
    ]
    assert isinstance(today, date)


def test_a_purged_deleted_delivery_takes_its_tracking_along(tracking):
    gone = tracked_delivery(tracking, NOW - timedelta(days=3), "gone")
    kept = tracked_delivery(tracking, NOW - timedelta(days=3), "kept")
    Delivery.objects.filter(pk=gone.pk).update(deleted=True, deleted_at=NOW - timedelta(days=30))
    run("deleted_deliveries")
    assert not Delivery.objects.filter(pk=gone.pk).exists()
    for model in (TrackingLog, TrackingStatistic, DeliveryIndicators):
        assert set(model.objects.values_list("delivery_id", flat=True)) == {kept.pk}, model
    assert set(TrackingHit.objects.values_list("delivery_id", flat=True)) == {kept.pk}


def stopped(tracking, label, to_deliver, processed, stopped_days_ago):
    delivery = tracking.delivery(label, state=DeliveryState.STOPPED)
    tracking.logs(delivery, 2, status=LogStatus.PENDING)
    Delivery.objects.filter(pk=delivery.pk).update(
        to_deliver=to_deliver, processed=processed, updated_at=NOW - timedelta(days=stopped_days_ago)
    )
    return delivery


def test_recently_stopped_deliveries_with_10000_messages_left_are_finished(tracking):
    big = stopped(tracking, "big", 30_000, 20_000, 3)
    at_limit = stopped(tracking, "at limit", 20_000, 10_001, 3)
    small = stopped(tracking, "small", 30_000, 20_001, 3)
    old = stopped(tracking, "stopped long ago", 50_000, 0, 16)
    metrics, _lines = run("expired_deliveries")
    states = dict(Delivery.objects.values_list("label", "state"))
    assert states == {
        "big": "finished",
        "at limit": "stopped",
        "small": "stopped",
        "stopped long ago": "stopped",
    }
    assert set(big.logs.values_list("status", flat=True)) == {"cancelled"}
    for delivery in (at_limit, small, old):
        assert set(delivery.logs.values_list("status", flat=True)) == {"pending"}
    assert metrics["expired_deliveries_rows"] == 2 + 1
