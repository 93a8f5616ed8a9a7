"""The two Full aggregates: equal to a direct GROUP BY over the facts (computed here in
Python from the raw rows, and on PostgreSQL also by the benchmark's hand-written SQL),
in local days across midnight and DST; a failed rebuild leaves the previous aggregate;
the workflows run through the engine."""

from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection

from campaign.choices import EventStatus
from offers.choices import PropositionStatus
from offers.models import Proposition
from reporting.cubes import aggregates, benchmarks
from reporting.cubes.definitions import MESSAGE_CENTER, PRESENTED, PROPOSITIONS
from reporting.cubes.expressions import percentile_cont
from reporting.cubes.models import (
    AggregateBuild,
    ArchivedEvent,
    MessageCenterAggregate,
    PropositionAggregate,
    PropositionDeliverySummary,
    PropositionOfferSummary,
)
from workflows.api import RunStatus, WorkflowLog, run_by_name

from .conftest import NOW

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo(settings.TIME_ZONE)


def local_day(moment):
    return moment.astimezone(PARIS).date()


def proposition_world(cube_world):
    offers = cube_world.catalog()
    newsletter, promo = cube_world.delivery(), cube_world.delivery("SMS promo", channel="sms")
    # 22:30 and 23:30 UTC on 2026-03-28 are the 28th and the 29th in Paris (UTC+1).
    late = [NOW - timedelta(days=16, hours=9, minutes=30), NOW - timedelta(days=16, hours=8, minutes=30)]
    cube_world.propositions(offers[0], late * 3, PropositionStatus.ACCEPTED, delivery=newsletter)
    cube_world.propositions(offers[0], late, PropositionStatus.REJECTED, delivery=newsletter)
    cube_world.propositions(
        offers[1], [NOW - timedelta(days=2)] * 4, PropositionStatus.PRESENTED, delivery=promo
    )
    cube_world.propositions(
        offers[1], [NOW - timedelta(days=2)], PropositionStatus.INTERESTED, delivery=promo
    )
    cube_world.propositions(offers[2], [NOW - timedelta(days=1)] * 2, PropositionStatus.GENERATED)
    # Inbound: no delivery, the channel comes from the offer space.
    cube_world.propositions(
        offers[2], [NOW - timedelta(hours=1)] * 3, PropositionStatus.ACCEPTED, space=cube_world.spaces[1]
    )
    return offers


def expected_propositions():
    groups = defaultdict(
        lambda: dict.fromkeys(("propositions", "presented", "accepted", "rejected", "interested"), 0)
    )
    for p in Proposition.objects.all():
        channel = p.channel_id
        figures = groups[(local_day(p.proposed_at), channel, p.delivery_id, p.offer_id, p.space_id)]
        figures["propositions"] += 1
        figures["presented"] += p.status in PRESENTED
        figures["accepted"] += p.status == PropositionStatus.ACCEPTED
        figures["rejected"] += p.status == PropositionStatus.REJECTED
        figures["interested"] += p.status == PropositionStatus.INTERESTED
    return {key: dict(value) for key, value in groups.items()}


def stored_propositions():
    return {
        (row.day, row.channel, row.delivery, row.offer, row.space): {
            "propositions": row.propositions,
            "presented": row.presented,
            "accepted": row.accepted,
            "rejected": row.rejected,
            "interested": row.interested,
        }
        for row in PropositionAggregate.objects.all()
    }


def test_the_proposition_aggregate_equals_a_group_by_over_the_propositions(cube_world):
    proposition_world(cube_world)
    rebuilt = aggregates.rebuild(PROPOSITIONS, NOW)
    expected = expected_propositions()
    assert stored_propositions() == expected
    days = {key[0] for key in expected}
    assert {d.isoformat() for d in days} >= {"2026-03-28", "2026-03-29"}  # split at local midnight
    assert rebuilt.build.facts == Proposition.objects.count() == 18
    assert rebuilt.build.rows == len(expected)
    assert rebuilt.build.built_at == NOW and rebuilt.build.cube == "propositions"
    inbound = [key for key in expected if key[2] is None and key[4] is not None]
    assert inbound and all(key[1] == cube_world.channel("push").pk for key in inbound)


def message_center_world(cube_world):
    order, reset = cube_world.event_type(), cube_world.event_type("password_reset", "Password reset")
    days_ago = [NOW - timedelta(days=n, hours=n % 5) for n in range(1, 40)]
    cube_world.archived(order, days_ago, EventStatus.SENT, processing=[1.0, 2.5, 30.0, 4.0])
    cube_world.archived(order, days_ago[:10], EventStatus.FAILED, processing=[12.0])
    cube_world.archived(reset, days_ago[:5], EventStatus.EXPIRED, channel="sms", processing=[600.0, 5.0])
    cube_world.archived(reset, days_ago[5:8], EventStatus.PENDING, channel="sms")
    cube_world.archived(reset, days_ago[8:9], EventStatus.IGNORED)


def expected_message_center():
    groups = defaultdict(lambda: {"seconds": [], "events": 0, "statuses": []})
    for event in ArchivedEvent.objects.all():
        group = groups[(local_day(event.created_at), event.channel_id, event.status, event.event_type_id)]
        group["events"] += 1
        if event.processed_at:
            group["seconds"].append((event.processed_at - event.created_at).total_seconds())
        group["statuses"].append(event.status)
    found = {}
    for key, group in groups.items():
        status = key[2]
        found[key] = {
            "events": group["events"],
            "sent": group["events"] if status == EventStatus.SENT else 0,
            "failed": group["events"] if status == EventStatus.FAILED else 0,
            "ignored": group["events"] if status == EventStatus.IGNORED else 0,
            "expired": group["events"] if status == EventStatus.EXPIRED else 0,
            "processing_time_sum": pytest.approx(sum(group["seconds"])) if group["seconds"] else None,
            "processing_time_count": len(group["seconds"]),
            "processing_time_p95": pytest.approx(percentile_cont(group["seconds"], 0.95))
            if group["seconds"]
            else None,
        }
    return found


def stored_message_center():
    columns = ("events", "sent", "failed", "ignored", "expired")
    columns += ("processing_time_sum", "processing_time_count", "processing_time_p95")
    return {
        (row.day, row.channel, row.status, row.event_type): {
            column: getattr(row, column) for column in columns
        }
        for row in MessageCenterAggregate.objects.all()
    }


def test_the_message_center_aggregate_equals_a_group_by_with_its_95th_percentile(cube_world):
    message_center_world(cube_world)
    rebuilt = aggregates.rebuild(MESSAGE_CENTER, NOW)
    assert stored_message_center() == expected_message_center()
    assert rebuilt.build.facts == ArchivedEvent.objects.count() == 39 + 10 + 5 + 3 + 1


@pytest.mark.postgres
def test_on_postgresql_the_aggregates_equal_the_hand_written_insert_select(cube_world):
    if connection.vendor != "postgresql":
        pytest.skip("the hand-written baselines are PostgreSQL SQL")
    proposition_world(cube_world)
    message_center_world(cube_world)
    for cube, baseline in (
        (PROPOSITIONS, benchmarks.PropositionCube),
        (MESSAGE_CENTER, benchmarks.MessageCenterCube),
    ):
        aggregates.rebuild(cube, NOW)
        ours = benchmarks.aggregate_checksum(cube)
        baseline().run_baseline()
        assert benchmarks.aggregate_checksum(cube) == ours
        assert all(table["rows"] > 0 for table in ours.values())


def test_a_rebuild_that_fails_halfway_leaves_the_previous_aggregate(cube_world, monkeypatch):
    offers = proposition_world(cube_world)
    first = aggregates.rebuild(PROPOSITIONS, NOW).build
    before = stored_propositions()
    cube_world.propositions(offers[0], [NOW - timedelta(minutes=5)] * 7, PropositionStatus.ACCEPTED)

    def broken(**kwargs):
        raise RuntimeError("disk full")

    # The rows were deleted and re-inserted when the build record fails to be written.
    monkeypatch.setattr(AggregateBuild.objects, "create", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        aggregates.rebuild(PROPOSITIONS, NOW + timedelta(days=1))
    assert stored_propositions() == before
    assert AggregateBuild.objects.latest_of("propositions") == first
    monkeypatch.undo()
    aggregates.rebuild(PROPOSITIONS, NOW + timedelta(days=1))
    assert sum(row["propositions"] for row in stored_propositions().values()) == 18 + 7


def test_a_second_rebuild_replaces_the_rows_and_records_a_second_build(cube_world):
    proposition_world(cube_world)
    aggregates.rebuild(PROPOSITIONS, NOW)
    again = aggregates.rebuild(PROPOSITIONS, NOW + timedelta(days=1))
    assert stored_propositions() == expected_propositions()
    assert AggregateBuild.objects.filter(cube="propositions").count() == 2
    assert AggregateBuild.objects.latest_of("propositions") == again.build


def test_an_empty_fact_table_gives_an_empty_aggregate(db):
    rebuilt = aggregates.rebuild(MESSAGE_CENTER, NOW)
    assert rebuilt.build.facts == 0 and rebuilt.build.rows == 0
    assert not MessageCenterAggregate.objects.exists()


def test_the_workflows_rebuild_through_the_engine_and_journal_it(cube_world, time_machine):
    time_machine.move_to(NOW, tick=False)
    proposition_world(cube_world)
    message_center_world(cube_world)
    order = cube_world.event_type()
    cube_world.queued(order, [NOW - timedelta(hours=2)] * 4, status=EventStatus.SENT)
    run = run_by_name("agg_nmspropositionrcp_full")
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.metrics["facts_read"] == 18
    run = run_by_name("agg_messageCenter_full")
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.metrics["events_archived"] == 4  # the queue-only events joined the archive
    assert run.metrics["facts_read"] == 58 + 4
    lines = list(WorkflowLog.objects.filter(run=run).values_list("message", flat=True))
    assert any("aggregate rebuilt from 62 facts" in line for line in lines)
    assert AggregateBuild.objects.latest_of("message_center").run_id == run.pk
    assert AggregateBuild.objects.latest_of("message_center").built_at == NOW


def test_the_summaries_add_the_propositions_up_by_delivery_and_by_offer(cube_world):
    proposition_world(cube_world)
    rebuilt = aggregates.rebuild(PROPOSITIONS, NOW)
    by_delivery, by_offer = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
    for (day, channel, delivery, offer, space), figures in expected_propositions().items():
        for name, value in figures.items():
            by_delivery[(day, channel, delivery, space)][name] += value
            by_offer[(day.replace(day=1), channel, offer)][name] += value
    stored = {
        (row.day, row.channel, row.delivery, row.space): row
        for row in PropositionDeliverySummary.objects.all()
    }
    assert {key: {n: getattr(row, n) for n in by_delivery[key]} for key, row in stored.items()} == {
        key: dict(value) for key, value in by_delivery.items()
    }
    stored = {(row.month, row.channel, row.offer): row for row in PropositionOfferSummary.objects.all()}
    assert {key: {n: getattr(row, n) for n in by_offer[key]} for key, row in stored.items()} == {
        key: dict(value) for key, value in by_offer.items()
    }
    assert {d.isoformat() for d, _c, _o in by_offer} == {"2026-03-01", "2026-04-01"}
    assert rebuilt.summary_rows == {
        "cubes.PropositionOfferSummary": len(by_offer),
        "cubes.PropositionDeliverySummary": len(by_delivery),
    }
