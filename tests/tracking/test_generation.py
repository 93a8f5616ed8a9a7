"""Tracking and the delivery report aggregates in generate_data: derived from the
generated hits and logs like a platform that ran `tracking`, `reportingAggregates` and
`cleanup` every day, and a `tracking` run afterwards takes the hits left pending."""

from datetime import UTC, datetime, timedelta

from django.core.management import call_command

from campaign.devtools import datagen
from campaign.models import Delivery, TrackingHit
from campaign.tracking import consolidation
from campaign.tracking.generation import TRACKING_LOG_DAYS
from campaign.tracking.models import (
    DeliveryIndicators,
    EventStatistic,
    TrackingLog,
    TrackingPointer,
    TrackingStatistic,
    UserAgent,
)
from reporting.models import AggregateBuild, DeliveryDay, UserAgentDay

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def test_the_tiny_preset_derives_tracking_and_report_aggregates(db):
    result = datagen.generate("tiny", seed=3, now=NOW, truncate=True)
    assert result.rows["tracking_logs"] == TrackingLog.objects.count() > 0
    cutoff = NOW - timedelta(days=TRACKING_LOG_DAYS)
    assert not TrackingLog.objects.filter(tracked_at__lt=cutoff).exists()  # as cleanup left them
    consolidated = TrackingHit.objects.filter(consolidated_at__isnull=False, hit_at__gte=cutoff)
    assert TrackingLog.objects.count() <= consolidated.count()
    assert sum(TrackingStatistic.objects.values_list("hits", flat=True)) == TrackingLog.objects.count()
    assert UserAgent.objects.filter(parsed=True).count() == UserAgent.objects.count() > 0
    assert DeliveryIndicators.objects.count() == Delivery.objects.count()
    assert Delivery.objects.filter(sent__gt=0).exists()
    assert EventStatistic.objects.exists()
    pointer = TrackingPointer.load()
    assert pointer.hits_consolidated == TrackingLog.objects.count() and pointer.last_hit_id > 0
    assert AggregateBuild.objects.get().full
    assert DeliveryDay.objects.exists() and UserAgentDay.objects.exists()
    # The hits of the last two hours wait for the first tracking run.
    pending = TrackingHit.objects.filter(consolidated_at__isnull=True).count()
    totals = consolidation.consolidate(NOW, 1000, log=lambda line: None)
    assert totals.claimed == pending
    assert not TrackingHit.objects.filter(consolidated_at__isnull=True).exists()


def test_a_count_of_zero_switches_them_off(db):
    call_command(
        "generate_data", "--preset", "tiny", "--tracking-logs", "0", "--truncate", "--now", NOW.isoformat()
    )
    assert not TrackingLog.objects.exists() and not DeliveryIndicators.objects.exists()
    assert DeliveryDay.objects.exists()  # the report aggregates need only delivery logs
