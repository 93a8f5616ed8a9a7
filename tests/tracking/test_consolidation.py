"""Consolidation: tracking logs, 5-minute statistics, idempotence, skipped hits,
hits committed out of order, user agents parsed by ua-parser, the pointer."""

from datetime import timedelta

from campaign.choices import TrackingKind
from campaign.models import Delivery, TrackingHit
from campaign.tracking import consolidation
from campaign.tracking.models import (
    DeliveryIndicators,
    StaleIndicators,
    TrackingLog,
    TrackingPointer,
    TrackingStatistic,
    UserAgent,
)

from .conftest import IPHONE, NOW


def consolidate(batch_size=1000, now=NOW):
    return consolidation.consolidate(now, batch_size, log=lambda line: None)


def snapshot():
    logs = sorted(
        TrackingLog.objects.values_list("hit_id", "delivery_id", "profile_id", "kind", "tracked_at")
    )
    stats = sorted(TrackingStatistic.objects.values_list("delivery_id", "url_id", "kind", "bucket", "hits"))
    return logs, stats


def test_each_hit_becomes_one_tracking_log_and_counts_in_its_five_minutes(tracking):
    delivery = tracking.delivery()
    logs = tracking.logs(delivery, 3)
    opened, clicked = tracking.url(delivery, TrackingKind.OPEN), tracking.url(delivery)
    base = NOW.replace(hour=8, minute=0)
    tracking.hit(logs[0], opened, at=base + timedelta(minutes=1))
    tracking.hit(logs[1], opened, at=base + timedelta(minutes=4, seconds=59))
    tracking.hit(logs[1], clicked, at=base + timedelta(minutes=5))
    tracking.hit(logs[2], clicked, at=base + timedelta(minutes=7), user_agent=IPHONE)
    totals = consolidate()
    assert (totals.consolidated, totals.skipped, totals.already) == (4, 0, 0)
    assert TrackingLog.objects.count() == 4
    log = TrackingLog.objects.get(profile_id=3)
    assert (log.delivery_log_id, log.url_id, log.kind) == (logs[2].pk, clicked.pk, "click")
    assert (log.user_agent.browser, log.user_agent.os) == ("Mobile Safari", "iOS")
    stats = sorted(TrackingStatistic.objects.values_list("url_id", "bucket", "hits"))
    assert stats == [
        (opened.pk, base, 2),
        (clicked.pk, base + timedelta(minutes=5), 2),
    ]
    assert not TrackingHit.objects.filter(consolidated_at__isnull=True).exists()
    assert set(TrackingHit.objects.values_list("consolidated_at", flat=True)) == {NOW}
    pointer = TrackingPointer.load()
    assert pointer.last_hit_id == TrackingHit.objects.order_by("-id").first().pk
    assert (pointer.hits_consolidated, pointer.consolidated_at) == (4, NOW)
    assert UserAgent.objects.filter(parsed=True).count() == 2
    assert StaleIndicators.objects.filter(delivery=delivery).exists()


def test_consolidating_the_same_hits_again_changes_nothing(tracking):
    delivery = tracking.delivery()
    logs = tracking.logs(delivery, 5)
    url = tracking.url(delivery)
    for log in logs:
        tracking.hit(log, url)
    consolidate(batch_size=2)
    before = snapshot()
    assert len(before[0]) == 5
    # A second run finds nothing pending; then the marks are lost (a restore, a bug):
    # the same hits are read again and write nothing twice.
    assert consolidate().claimed == 0
    TrackingHit.objects.update(consolidated_at=None)
    again = consolidate(batch_size=2)
    assert (again.claimed, again.already, again.consolidated) == (5, 5, 0)
    assert snapshot() == before
    assert not TrackingHit.objects.filter(consolidated_at__isnull=True).exists()


def test_a_hit_of_a_deleted_delivery_is_counted_and_skipped(tracking):
    kept, deleted, purged = (
        tracking.delivery("kept"),
        tracking.delivery("deleted"),
        tracking.delivery("purged"),
    )
    hits = []
    for delivery in (kept, deleted, purged):
        log = tracking.logs(delivery, 1)[0]
        hits.append(tracking.hit(log, tracking.url(delivery)))
    Delivery.objects.filter(pk=deleted.pk).update(deleted=True, deleted_at=NOW)
    # A delivery purged with its URL while a hit was on its way (raw hits keep no constraint).
    purged.tracking_urls.all().delete()
    purged.logs.all().delete()
    Delivery.objects.filter(pk=purged.pk).delete()
    totals = consolidate()
    assert (totals.consolidated, totals.skipped) == (1, 2)
    assert list(TrackingLog.objects.values_list("delivery_id", flat=True)) == [kept.pk]
    assert TrackingPointer.load().hits_skipped == 2
    # Skipped hits are consumed too: cleanup purges them with the others.
    assert not TrackingHit.objects.filter(consolidated_at__isnull=True).exists()


def test_a_hit_whose_url_belongs_to_another_delivery_is_skipped(tracking):
    first, second = tracking.delivery("first"), tracking.delivery("second")
    log = tracking.logs(first, 1)[0]
    tracking.hit(log, tracking.url(second))
    totals = consolidate()
    assert (totals.consolidated, totals.skipped) == (0, 1)
    assert not TrackingLog.objects.exists()


def test_a_hit_committed_after_a_later_one_was_consolidated_is_taken_by_the_next_run(tracking):
    delivery = tracking.delivery()
    logs = tracking.logs(delivery, 3)
    url = tracking.url(delivery)
    early = tracking.hit(logs[0], url)
    late = tracking.hit(logs[1], url)
    # The first hit's transaction had not committed when the run read: the run saw only
    # the later one (simulated by consolidating it alone).
    TrackingHit.objects.filter(pk=early.pk).update(consolidated_at=NOW)
    consolidate()
    TrackingHit.objects.filter(pk=early.pk).update(consolidated_at=None)
    assert TrackingPointer.load().last_hit_id == late.pk > early.pk
    totals = consolidate(now=NOW + timedelta(hours=1))
    assert (totals.claimed, totals.consolidated) == (1, 1)
    assert sorted(TrackingLog.objects.values_list("hit_id", flat=True)) == [early.pk, late.pk]


def test_hits_arriving_during_a_run_wait_for_the_next_one(tracking):
    delivery = tracking.delivery()
    logs = tracking.logs(delivery, 2)
    url = tracking.url(delivery)
    tracking.hit(logs[0], url)
    upto = consolidation.newest_hit_id()
    tracking.hit(logs[1], url)  # after the run looked at the newest id
    result = consolidation.consolidate_batch(NOW, 0, upto, 100)
    assert result.claimed == 1
    assert consolidation.consolidate_batch(NOW, result.last_id, upto, 100) is None
    assert TrackingHit.objects.filter(consolidated_at__isnull=True).count() == 1


def test_a_hit_without_its_delivery_log_id_gets_the_profiles_log(tracking):
    delivery = tracking.delivery()
    logs = tracking.logs(delivery, 2)
    tracking.hit(logs[1], tracking.url(delivery), delivery_log_id=None)
    consolidate()
    assert TrackingLog.objects.get().delivery_log_id == logs[1].pk


def test_an_unknown_or_empty_user_agent_is_other(tracking):
    delivery = tracking.delivery()
    logs = tracking.logs(delivery, 2)
    url = tracking.url(delivery)
    tracking.hit(logs[0], url, user_agent="")
    tracking.hit(logs[1], url, user_agent="curl/8.5.0")
    consolidate()
    agents = {agent.text: (agent.browser, agent.os) for agent in UserAgent.objects.all()}
    assert agents[""] == ("Other", "Other")
    assert agents["curl/8.5.0"][0] == "curl"
    assert not DeliveryIndicators.objects.exists()  # the indicators are the run's next step
