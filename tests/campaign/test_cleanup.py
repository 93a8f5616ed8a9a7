"""cleanup: each step at its retention boundary, its scope, the order, failures, dry run."""

import hashlib
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from campaign import cleanup
from campaign.choices import DeliveryState, FailureReason, LogStatus, QuarantineStatus, StatisticsMode
from campaign.models import (
    Delivery,
    DeliveryLog,
    Event,
    PurgeSettings,
    Quarantine,
    RetentionPeriod,
    TrackingHit,
    TrackingUrl,
)
from campaign.retention import Retention
from offers.models import Proposition
from tests.builders import (
    NOW,
    SECOND,
    days_ago,
    delivery,
    events,
    hits,
    logs,
    propositions,
    purge,
    quarantine,
    table_counts,
    url,
)
from workflows.choices import RunStatus, Trigger
from workflows.engine import execute
from workflows.models import Workflow, WorkflowLog, WorkflowRun
from workflows.plugins import PurgeStep, delivery_children, purge_steps
from workflows.registry import get_spec

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def purge_settings_row():
    """The settings row exists before the counts are taken (migrate creates it too)."""
    return PurgeSettings.load()


def run(*only, batch_size=None, now=NOW):
    lines = []
    metrics = {}
    cleanup.run_steps(now, log=lines.append, metrics=metrics, only=only or None, batch_size=batch_size)
    return metrics, lines


# --- retention boundaries: at the cutoff is kept, one second older goes ------------------


def boundary_times(days):
    cut = days_ago(days)
    return [cut - SECOND, cut, cut + SECOND]


def make_logs(times):
    logs(delivery(), times)
    return DeliveryLog


def make_hits(times):
    hits(delivery(), times)
    return TrackingHit


def make_propositions(times):
    propositions(times)
    return Proposition


def make_events(times):
    events(times)
    return Event


@pytest.mark.parametrize(
    "step, days, make, time_field",
    [
        ("delivery_logs", 180, make_logs, "event_at"),
        ("raw_hits", 360, make_hits, "consolidated_at"),
        ("propositions", 360, make_propositions, "proposed_at"),
        ("events", 30, make_events, "created_at"),
    ],
)
def test_a_purge_step_deletes_exactly_the_rows_older_than_its_retention(step, days, make, time_field):
    model = make(boundary_times(days))
    before = table_counts()
    metrics, _ = run(step)
    kept = sorted(model.objects.values_list(time_field, flat=True))
    assert kept == [days_ago(days), days_ago(days) + SECOND]
    assert metrics[f"{step}_rows"] == 1
    # Nothing outside the step's table changed.
    after = table_counts()
    changed = {table for table in before if before[table] != after[table]}
    assert changed == {model._meta.db_table}


def test_adobe_defaults_are_the_retention_defaults():
    # Classes whose tables do not exist yet are declared by the issues that create them.
    retention = Retention.load()
    assert retention.days("delivery_logs") == 180
    assert (retention.days("deleted_deliveries"), retention.days("propositions")) == (7, 360)
    assert (retention.days("events"), retention.days("raw_hits")) == (30, 360)
    assert PurgeSettings.load().statistics_mode == StatisticsMode.VACUUM_ANALYZE


def test_an_empty_retention_keeps_the_data_forever():
    purge(delivery_logs_days=None)
    logs(delivery(), [days_ago(5000)])
    metrics, lines = run("delivery_logs")
    assert DeliveryLog.objects.count() == 1
    assert metrics["delivery_logs_rows"] == 0
    assert "kept forever" in lines[-1]


def test_unconsolidated_hits_are_never_deleted():
    hits(delivery(), [days_ago(1000)], consolidated=False)
    run("raw_hits")
    assert TrackingHit.objects.count() == 1


PLANNER = {
    # PostgreSQL batches follow the plan PostgreSQL would pick for the whole delete.
    "index": ["SET LOCAL enable_seqscan = off"],
    "whole table": ["SET LOCAL enable_indexscan = off", "SET LOCAL enable_bitmapscan = off"],
}


@pytest.mark.parametrize("plan", PLANNER)
def test_batches_of_the_configured_size_delete_everything_in_several_transactions(plan):
    parent = delivery()
    # Wide rows (about 1.8 kB of hexadecimal text, stored inline) spread 8 logs over blocks.
    DeliveryLog.objects.bulk_create(
        DeliveryLog(
            delivery=parent,
            profile_table="recipient",
            profile_id=n,
            status=LogStatus.DELIVERED,
            error_text="".join(hashlib.sha256(f"{n}-{i}".encode()).hexdigest() for i in range(28)),
            event_at=days_ago(200 + n) if n < 7 else days_ago(10),
        )
        for n in range(8)
    )
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            for statement in PLANNER[plan]:
                cursor.execute(statement)
    job = cleanup.run_steps(NOW, log=[].append, only=["delivery_logs"], batch_size=2)
    assert DeliveryLog.objects.count() == 1
    assert DeliveryLog.objects.get().profile_id == 7
    if postgres and plan == "whole table":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_relation_size('campaign_deliverylog') / 8192")
            blocks = cursor.fetchone()[0]
        assert blocks > 1
        assert job.strategies == {"campaign_deliverylog": "block ranges of 1"}
        assert job.batches == blocks  # one transaction per block range
    else:
        assert job.strategies == {}
        assert job.batches == 4  # 2 + 2 + 2 + 1, walking the time index


# --- deleted deliveries -------------------------------------------------------------


def test_deleted_deliveries_go_with_all_their_children_after_their_retention():
    gone = delivery("gone", deleted=True, deleted_at=days_ago(7) - SECOND)
    at_cutoff = delivery("at cutoff", deleted=True, deleted_at=days_ago(7))
    live = delivery("live")
    for parent in (gone, at_cutoff, live):
        logs(parent, [days_ago(1)] * 3)
        link = url(parent)
        hits(parent, [days_ago(1)] * 2, tracking_url=link)
        propositions([days_ago(1)], parent=parent)
    before = table_counts()
    metrics, lines = run("deleted_deliveries")
    assert set(Delivery.objects.values_list("label", flat=True)) == {"at cutoff", "live"}
    for model in (DeliveryLog, TrackingHit, Proposition, TrackingUrl):
        assert not model.objects.filter(delivery=gone).exists()
        assert model.objects.filter(delivery=live).exists()
        assert model.objects.filter(delivery=at_cutoff).exists()
    assert metrics["deleted_deliveries_rows"] == 1 + 3 + 2 + 1 + 1
    assert "delivery logs 3" in lines[-1]
    after = table_counts()
    changed = {table for table in before if before[table] != after[table]}
    assert changed == {
        "campaign_delivery",
        "campaign_deliverylog",
        "campaign_trackinghit",
        "campaign_trackingurl",
        "offers_proposition",
    }


def test_a_delivery_marked_deleted_without_a_date_or_not_deleted_is_kept():
    delivery("no date", deleted=True, deleted_at=None)
    delivery("old but live", deleted=False, deleted_at=days_ago(100))
    run("deleted_deliveries")
    assert Delivery.objects.count() == 2


def test_every_table_with_a_key_to_delivery_is_purged_with_it():
    """A new table referencing Delivery must be declared as a DeliveryChild by its app."""
    listed = {(child.model.lower(), child.fk) for child in delivery_children()}
    for relation in Delivery._meta.related_objects:
        model = relation.related_model
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        assert (label, relation.field.name) in listed, (
            f"{label}.{relation.field.name} is not declared as a DeliveryChild"
        )


# --- expired deliveries -------------------------------------------------------------


def test_expired_deliveries_cancel_their_pending_logs_and_finish():
    expired = delivery("expired", state=DeliveryState.IN_PROGRESS, valid_until=NOW - SECOND)
    at_limit = delivery("at limit", state=DeliveryState.PENDING, valid_until=NOW)
    stopped = delivery("stopped", state=DeliveryState.STOPPED, valid_until=days_ago(3))
    for parent in (expired, at_limit, stopped):
        logs(parent, [days_ago(1)] * 3, status=LogStatus.PENDING)
        logs(parent, [days_ago(1)], status=LogStatus.DELIVERED)
    metrics, _ = run("expired_deliveries")
    states = dict(Delivery.objects.values_list("label", "state"))
    assert states == {"expired": "finished", "at limit": "pending", "stopped": "stopped"}
    statuses = sorted(expired.logs.values_list("status", flat=True))
    assert statuses == ["cancelled", "cancelled", "cancelled", "delivered"]
    assert at_limit.logs.filter(status=LogStatus.PENDING).count() == 3
    assert stopped.logs.filter(status=LogStatus.PENDING).count() == 3
    assert metrics["expired_deliveries_rows"] == 3 + 1
    assert metrics["rows_updated"] == 4 and metrics["rows_deleted"] == 0


# --- workflow history -----------------------------------------------------------------


def test_workflow_history_follows_each_workflows_history_in_days():
    short = Workflow.objects.get(name="cleanupPausedWorkflows")
    short.history_days = 10
    short.save()
    forever = Workflow.objects.get(name="cleanup")
    forever.history_days = 0
    forever.save()

    def run_at(workflow, at, status=RunStatus.SUCCEEDED):
        entry = WorkflowRun.objects.create(
            workflow=workflow, trigger=Trigger.SCHEDULE, status=status, created_at=at, heartbeat_at=at
        )
        WorkflowLog.objects.create(workflow=workflow, run=entry, created_at=at, message="x")
        # A line written later by the same run (a long run): goes with its run.
        WorkflowLog.objects.create(
            workflow=workflow, run=entry, created_at=at + timedelta(days=3), message="y"
        )
        return entry

    old = run_at(short, days_ago(10) - SECOND)
    at_cutoff = run_at(short, days_ago(10))
    stuck = run_at(short, days_ago(20), status=RunStatus.RUNNING)
    ancient = run_at(forever, days_ago(1000))
    metrics, _ = run("workflow_history")
    remaining = set(WorkflowRun.objects.values_list("pk", flat=True))
    assert remaining == {at_cutoff.pk, stuck.pk, ancient.pk}
    assert not WorkflowLog.objects.filter(run=old).exists()
    assert WorkflowLog.objects.filter(run=at_cutoff).count() == 2
    assert WorkflowLog.objects.filter(run=ancient).count() == 2
    # The stuck run stays, but its journal lines past the history go.
    assert list(WorkflowLog.objects.filter(run=stuck).values_list("message", flat=True)) == []
    assert metrics["workflow_history_rows"] == 1 + 2 + 2


# --- quarantine -----------------------------------------------------------------------


def test_quarantine_upkeep_releases_exactly_the_addresses_adobe_releases():
    quarantine("success@x", last_error_at=days_ago(2), last_success_at=days_ago(1), error_count=3)
    quarantine("success-before@x", last_error_at=days_ago(2), last_success_at=days_ago(3))
    quarantine("quiet@x", last_error_at=days_ago(10) - SECOND, last_error_reason=FailureReason.UNREACHABLE)
    quarantine("quiet-at-limit@x", last_error_at=days_ago(10), last_error_reason=FailureReason.UNREACHABLE)
    quarantine("full-11@x", last_error_at=days_ago(11), last_error_reason=FailureReason.MAILBOX_FULL)
    quarantine("full-30@x", last_error_at=days_ago(30) - SECOND, last_error_reason=FailureReason.MAILBOX_FULL)
    quarantine("quarantined@x", status=QuarantineStatus.QUARANTINE, last_error_at=days_ago(400))
    quarantine("denylisted@x", status=QuarantineStatus.DENYLISTED, last_error_at=days_ago(400))
    metrics, _ = run("quarantine")
    valid = set(Quarantine.objects.filter(status=QuarantineStatus.VALID).values_list("address", flat=True))
    assert valid == {"success@x", "quiet@x", "full-30@x"}
    released = Quarantine.objects.get(address="success@x")
    assert released.error_count == 0 and released.updated_at == NOW
    assert Quarantine.objects.get(address="quarantined@x").status == QuarantineStatus.QUARANTINE
    assert Quarantine.objects.get(address="denylisted@x").status == QuarantineStatus.DENYLISTED
    assert metrics["quarantine_rows"] == 3


# --- sessions ---------------------------------------------------------------------------


def test_expired_sessions_are_deleted():
    Session.objects.create(session_key="old", session_data="", expire_date=NOW - SECOND)
    Session.objects.create(session_key="now", session_data="", expire_date=NOW)
    run("sessions")
    assert set(Session.objects.values_list("session_key", flat=True)) == {"now"}


# --- the whole run ----------------------------------------------------------------------


def seed_everything():
    doomed = delivery("doomed", deleted=True, deleted_at=days_ago(8))
    logs(doomed, [days_ago(1)])
    live = delivery("live")
    logs(live, [days_ago(181), days_ago(1)])
    hits(live, [days_ago(361), days_ago(1)])
    propositions([days_ago(361), days_ago(1)])
    events([days_ago(31), days_ago(1)])
    quarantine("quiet@x", last_error_at=days_ago(11))
    Session.objects.create(session_key="old", session_data="", expire_date=days_ago(1))


def test_the_scheduled_run_runs_every_step_in_order_and_journals_each():
    seed_everything()
    with time_machine.travel(NOW + timedelta(seconds=20), tick=False):
        result = execute(get_spec("cleanup"), trigger=Trigger.SCHEDULE)
    assert result.status == RunStatus.SUCCEEDED, result.error
    assert result.slot == NOW
    assert DeliveryLog.objects.count() == 1
    assert (
        TrackingHit.objects.count() == 1 and Proposition.objects.count() == 1 and Event.objects.count() == 1
    )
    assert not Delivery.objects.filter(label="doomed").exists()
    assert Quarantine.objects.get().status == QuarantineStatus.VALID
    assert not Session.objects.exists()
    # doomed delivery and its log, old log, hit, proposition, event, session
    assert result.metrics["rows_deleted"] == 7
    assert result.metrics["rows_updated"] == 1
    journal = list(WorkflowLog.objects.filter(run=result).values_list("message", flat=True))
    steps = [line.split(" ", 2)[1] for line in journal if line.startswith("Step ")]
    all_steps = cleanup.steps()
    assert steps == [f"{n}/{len(all_steps)}" for n in range(1, len(all_steps) + 1)]
    assert any("Statistics" in line and "ANALYZE" in line for line in journal)
    for step in all_steps:
        assert f"{step.key}_seconds" in result.metrics


def test_a_failing_step_stops_the_run_and_names_itself(monkeypatch):
    seed_everything()
    broken = PurgeStep.by_age(
        "broken",
        450,  # after raw hits (400), before delivery logs (500)
        "Broken step",
        model="campaign.DeliveryLog",
        time_field="no_such_column",
        retention="delivery_logs",
    )
    declared = purge_steps()
    monkeypatch.setattr(cleanup, "purge_steps", lambda: sorted([*declared, broken], key=lambda s: s.order))
    steps = cleanup.steps()
    with time_machine.travel(NOW, tick=False):
        result = execute(get_spec("cleanup"), trigger=Trigger.MANUAL)
    assert result.status == RunStatus.FAILED
    assert result.error.startswith(f"Step 5/{len(steps)} “Broken step” (broken) failed: FieldError")
    # The steps before ran; the steps after did not.
    assert not Delivery.objects.filter(label="doomed").exists()
    assert TrackingHit.objects.count() == 1
    assert DeliveryLog.objects.count() == 2
    assert Event.objects.count() == 2
    assert Quarantine.objects.get().status == QuarantineStatus.WITH_ERRORS
    assert Session.objects.exists()
    assert result.metrics["raw_hits_rows"] == 1


def test_the_database_refuses_a_retention_of_zero():
    with pytest.raises(IntegrityError), transaction.atomic():
        RetentionPeriod.objects.update_or_create(key="delivery_logs", defaults={"days": 0})


def test_a_second_settings_row_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        PurgeSettings.objects.create(pk=2)


# --- dry run ------------------------------------------------------------------------------


def test_dry_run_prints_the_preview_and_changes_nothing():
    seed_everything()
    before = table_counts()
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("run_workflow", "cleanup", "--dry-run", stdout=out)
    text = out.getvalue()
    assert table_counts() == before
    assert not WorkflowRun.objects.filter(workflow__name="cleanup").exists()
    assert "Delivery logs: would delete 1 delivery logs [campaign_deliverylog]" in text
    assert "Deleted deliveries: would delete 1 deliveries [campaign_delivery]" in text
    assert "Quarantine upkeep: would change 1 addresses back to valid" in text


def test_the_preview_counts_what_the_run_then_does():
    seed_everything()
    expected = {}
    for row in cleanup.preview(NOW):
        if row.rows is not None:
            expected[row.step] = expected.get(row.step, 0) + row.rows
    metrics, _ = run()
    for step, rows in expected.items():
        assert metrics[f"{step}_rows"] == rows, step


def test_dry_run_is_refused_for_a_workflow_without_a_preview():
    with pytest.raises(CommandError, match="cleanupPausedWorkflows has no dry run"):
        call_command("run_workflow", "cleanupPausedWorkflows", "--dry-run")


def test_statistics_can_be_turned_off():
    purge(statistics_mode=StatisticsMode.NONE)
    logs(delivery(), [days_ago(200)])
    _, lines = run("delivery_logs", "statistics")
    assert "disabled in the purge settings" in lines[-1]


def test_the_steps_run_in_the_documented_order():
    # Retention settings whose table does not exist yet have no step (yet); later issues
    # add steps, so this checks order and presence, not the exact list.
    assert cleanup.purged_data_classes() >= {
        "deleted_deliveries",
        "raw_hits",
        "delivery_logs",
        "propositions",
        "events",
    }
    documented = [
        "deleted_deliveries",
        "expired_deliveries",
        "workflow_history",
        "raw_hits",
        "delivery_logs",
        "propositions",
        "events",
        "quarantine",
        "sessions",
        "statistics",
    ]
    names = [step.key for step in cleanup.steps()]
    assert [name for name in names if name in documented] == documented
    assert names[-1] == "statistics"
