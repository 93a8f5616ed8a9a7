"""Delivery indicators and counters on hand-built data, recomputed only for what
tracking touched; propositions of sent deliveries presented; the whole run through the
engine."""

from datetime import timedelta

import pytest

from campaign.choices import LogStatus, TrackingKind
from campaign.models import Delivery
from campaign.tracking import consolidation, indicators
from campaign.tracking.models import DeliveryIndicators, StaleIndicators
from offers.choices import PropositionStatus
from workflows.api import RunStatus, run_by_name

from .conftest import NOW


def consolidate_and_recompute(now=NOW):
    consolidation.consolidate(now, 1000, log=lambda line: None)
    return indicators.recompute(now)


@pytest.fixture
def campaign(tracking):
    """10 logs: 6 sent (2 of them delivered), 2 failed, 1 pending, 1 ignored; hits:
    recipients 1-4 open (1 twice), 2 and 3 click (3 twice), 5 clicks without an open
    pixel, 4 opts out and views the mirror page, 6 makes a transaction."""
    delivery = tracking.delivery(started_at=NOW - timedelta(days=10))
    logs = tracking.logs(delivery, 4, status=LogStatus.SENT)
    logs += tracking.logs(delivery, 2, status=LogStatus.DELIVERED, first_profile=5)
    logs += tracking.logs(delivery, 2, status=LogStatus.FAILED, first_profile=7)
    logs += tracking.logs(delivery, 1, status=LogStatus.PENDING, first_profile=9)
    logs += tracking.logs(delivery, 1, status=LogStatus.IGNORED, first_profile=10)
    url = {kind: tracking.url(delivery, kind) for kind in TrackingKind}
    hits = [
        (0, "open"), (0, "open"), (1, "open"), (2, "open"), (3, "open"),
        (1, "click"), (2, "click"), (2, "click"), (4, "click"),
        (3, "optout"), (3, "mirror"), (5, "transaction"), (5, "web"), (5, "interested"),
    ]  # fmt: skip
    for index, kind in hits:
        tracking.hit(logs[index], url[kind])
    return delivery


def test_the_indicators_follow_the_reference_formulas(campaign):
    recomputed = consolidate_and_recompute()
    assert recomputed.deliveries == 1
    figures = DeliveryIndicators.objects.get(delivery=campaign)
    assert (figures.to_deliver, figures.processed, figures.sent, figures.delivered, figures.failed) == (
        9,
        8,
        6,
        2,
        2,
    )
    assert (figures.recipient_opens, figures.total_opens) == (6, 5)  # any line means opened
    assert figures.estimated_recipient_opens == 6  # no text-format message
    assert (figures.recipient_clicks, figures.total_clicks) == (3, 4)
    assert (figures.opt_outs, figures.mirror_pages, figures.web_pages, figures.transactions) == (1, 1, 2, 1)
    assert figures.interested == 1
    assert figures.open_rate == pytest.approx(6 / 6)
    assert figures.click_rate == pytest.approx(3 / 6)
    assert figures.reactivity == pytest.approx(3 / 6)
    assert figures.opt_out_rate == pytest.approx(1 / 6)
    assert figures.computed_at == NOW
    campaign.refresh_from_db()
    assert (campaign.to_deliver, campaign.processed, campaign.sent, campaign.delivered, campaign.failed) == (
        9,
        8,
        6,
        2,
        2,
    )
    assert (campaign.unique_opens, campaign.clicks, campaign.opt_outs) == (6, 4, 1)
    assert not StaleIndicators.objects.exists()


def test_rates_are_none_while_nothing_was_sent(tracking):
    delivery = tracking.delivery(started_at=NOW - timedelta(hours=1))
    tracking.logs(delivery, 3, status=LogStatus.PENDING)
    consolidate_and_recompute()
    figures = DeliveryIndicators.objects.get(delivery=delivery)
    assert (figures.to_deliver, figures.sent, figures.processed) == (3, 0, 0)
    assert figures.open_rate is None and figures.reactivity is None


def test_only_deliveries_touched_by_hits_or_sending_recently_are_recomputed(tracking, campaign):
    old_quiet = tracking.delivery("old, no hit", started_at=NOW - timedelta(days=30))
    tracking.logs(old_quiet, 5)
    recent = tracking.delivery("sending", started_at=NOW - timedelta(hours=3))
    tracking.logs(recent, 2)
    consolidate_and_recompute()
    assert set(DeliveryIndicators.objects.values_list("delivery_id", flat=True)) == {campaign.pk, recent.pk}
    old_quiet.refresh_from_db()
    assert old_quiet.to_deliver == 0
    # A later run with no new hit recomputes the recent delivery only.
    Delivery.objects.filter(pk=campaign.pk).update(to_deliver=0)
    assert consolidate_and_recompute(NOW + timedelta(hours=1)).deliveries == 1
    campaign.refresh_from_db()
    assert campaign.to_deliver == 0


def test_recomputing_keeps_the_delivery_modification_time(campaign):
    before = Delivery.objects.values_list("updated_at", flat=True).get(pk=campaign.pk)
    consolidate_and_recompute()
    assert Delivery.objects.values_list("updated_at", flat=True).get(pk=campaign.pk) == before


def test_propositions_of_sent_deliveries_become_presented(tracking, campaign):
    from tests.builders import propositions

    unsent = tracking.delivery("unsent", started_at=NOW - timedelta(hours=1))
    tracking.logs(unsent, 2, status=LogStatus.PENDING)
    propositions([NOW] * 3, parent=campaign)
    propositions([NOW] * 2, parent=unsent)
    from offers.models import Proposition

    Proposition.objects.filter(delivery=campaign, profile_id=3).update(status=PropositionStatus.ACCEPTED)
    recomputed = consolidate_and_recompute()
    assert recomputed.propositions == 2
    statuses = sorted(Proposition.objects.filter(delivery=campaign).values_list("status", flat=True))
    assert statuses == ["accepted", "presented", "presented"]
    assert set(Proposition.objects.filter(delivery=unsent).values_list("status", flat=True)) == {"generated"}
    assert indicators.NOT_YET_PRESENTED == ["generated", "scheduled"]


def test_the_workflow_runs_through_the_engine_with_its_metrics(campaign, time_machine):
    time_machine.move_to(NOW, tick=False)
    run = run_by_name("tracking")
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.metrics["hits_consolidated"] == 14
    assert run.metrics["deliveries_recomputed"] == 1
    assert DeliveryIndicators.objects.get(delivery=campaign).recipient_opens == 6
    journal = " ".join(run.journal.values_list("message", flat=True))
    assert "14 consolidated into tracking logs" in journal
