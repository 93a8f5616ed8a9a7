"""reportingAggregates: the daily aggregates equal a direct computation on the same
data, the affected days only are rebuilt, in one transaction, with the build recorded."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from campaign.choices import FailureReason, FailureType, LogStatus, TrackingKind
from campaign.models import Delivery, DeliveryLog
from campaign.tracking import consolidation
from campaign.tracking.models import TrackingLog
from reporting import aggregates
from reporting.models import AggregateBuild, DeliveryDay, DeliveryFailureDay, DomainDay, UserAgentDay
from tests.tracking.conftest import CHROME, IPHONE, Tracking
from workflows.api import RunStatus, run_by_name

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 10, 2, 0, tzinfo=PARIS)  # the daily 02:00 slot


@pytest.fixture
def tracking(db):
    return Tracking()


def day(n, hour=10):
    """`n` days before NOW's day, at `hour` local time."""
    return datetime(2026, 6, 10, hour, 0, tzinfo=PARIS) - timedelta(days=n)


def messages(tracking, delivery, first, statuses, at, domain="example.com"):
    """Logs of profiles first, first+1… with the given (status, type, reason)."""
    DeliveryLog.objects.bulk_create(
        DeliveryLog(
            delivery=delivery,
            profile_table=delivery.profile_table,
            profile_id=first + n,
            address=f"p{first + n}@{domain}" if domain else f"+3360000{first + n}",
            status=status,
            failure_type=failure_type,
            failure_reason=reason,
            event_at=at,
        )
        for n, (status, failure_type, reason) in enumerate(statuses)
    )
    return list(delivery.logs.filter(profile_id__gte=first).order_by("profile_id"))


SENT = (LogStatus.SENT, "", "")
HARD = (LogStatus.FAILED, FailureType.HARD, FailureReason.USER_UNKNOWN)
SOFT = (LogStatus.FAILED, FailureType.SOFT, FailureReason.MAILBOX_FULL)
EXCLUDED = (LogStatus.IGNORED, FailureType.IGNORED, FailureReason.QUARANTINED)


@pytest.fixture
def platform(tracking):
    """Two deliveries over three days, on email and SMS, with hits around midnight."""
    email = tracking.delivery("June news", started_at=day(3))
    sms = tracking.delivery("Flash sale", channel="sms", started_at=day(2))
    logs = messages(tracking, email, 1, [SENT] * 4 + [HARD, SOFT], day(3))
    logs += messages(tracking, email, 20, [SENT, HARD, EXCLUDED], day(2), domain="mail.example.org")
    # 23:30 local on day 2 is 21:30 UTC: it counts on day 2, not day 1.
    messages(tracking, email, 40, [(LogStatus.DELIVERED, "", "")], day(2, hour=23) + timedelta(minutes=30))
    messages(tracking, sms, 1, [(LogStatus.DELIVERED, "", "")] * 3 + [SOFT], day(2), domain="")
    opened = tracking.url(email, TrackingKind.OPEN)
    clicked = tracking.url(email)
    for log, url, at, agent in [
        (logs[0], opened, day(3, 12), CHROME),
        (logs[0], opened, day(2, 9), CHROME),
        (logs[1], opened, day(3, 13), IPHONE),
        (logs[1], clicked, day(3, 13), IPHONE),
        (logs[1], clicked, day(2, 0) + timedelta(minutes=30), IPHONE),  # 00:30 local
        (logs[6], clicked, day(2, 11), CHROME),
    ]:
        tracking.hit(log, url, at=at, user_agent=agent)
    consolidation.consolidate(NOW, 1000, log=lambda line: None)
    return email, sms


def local_day(field):
    return TruncDate(field, tzinfo=PARIS)


def expected_delivery_days():
    """The direct computation: the ORM's own grouping, one source at a time."""
    rows = {}
    logs = (
        DeliveryLog.objects.annotate(day=local_day("event_at"))
        .values("day", "delivery_id", "delivery__channel_id")
        .annotate(
            targeted=Count("pk"),
            sent=Count("pk", filter=Q(status__in=["sent", "delivered"])),
            delivered=Count("pk", filter=Q(status="delivered")),
            failed=Count("pk", filter=Q(status="failed")),
            hard=Count("pk", filter=Q(status="failed", failure_type="hard")),
            soft=Count("pk", filter=Q(status="failed", failure_type="soft")),
        )
    )
    for row in logs:
        key = (row["day"], row["delivery_id"], row["delivery__channel_id"])
        rows[key] = [row["targeted"], row["sent"], row["delivered"], row["failed"], row["hard"], row["soft"]]
        rows[key] += [0, 0, 0, 0]
    hits = (
        TrackingLog.objects.annotate(day=local_day("tracked_at"))
        .values("day", "delivery_id", "delivery__channel_id")
        .annotate(
            opens=Count("pk", filter=Q(kind="open")),
            clicks=Count("pk", filter=Q(kind="click")),
            unique_opens=Count("profile_id", distinct=True),
            unique_clicks=Count("profile_id", distinct=True, filter=Q(kind="click")),
        )
    )
    for row in hits:
        key = (row["day"], row["delivery_id"], row["delivery__channel_id"])
        figures = rows.setdefault(key, [0] * 10)
        figures[6:] = [row["opens"], row["clicks"], row["unique_opens"], row["unique_clicks"]]
    return {key: tuple(value) for key, value in rows.items()}


def built_delivery_days():
    return {
        (row.day, row.delivery_id, row.channel_id): (
            row.targeted,
            row.sent,
            row.delivered,
            row.failed,
            row.failed_hard,
            row.failed_soft,
            row.opens,
            row.clicks,
            row.unique_opens,
            row.unique_clicks,
        )
        for row in DeliveryDay.objects.all()
    }


def test_the_aggregates_equal_a_direct_computation_on_the_same_data(platform):
    email, sms = platform
    build = aggregates.rebuild(NOW)
    assert build.record.full and build.days == 2  # first build: every day from the first data to the last
    assert built_delivery_days() == expected_delivery_days()
    june_7, june_8 = date(2026, 6, 7), date(2026, 6, 8)
    assert built_delivery_days()[(june_8, email.pk, email.channel_id)] == (4, 2, 1, 1, 1, 0, 1, 2, 3, 2)
    failures = sorted(
        DeliveryFailureDay.objects.filter(delivery=email).values_list(
            "day", "status", "failure_reason", "messages"
        )
    )
    assert failures == [
        (june_7, "failed", "mailbox_full", 1),
        (june_7, "failed", "user_unknown", 1),
        (june_8, "failed", "user_unknown", 1),
        (june_8, "ignored", "quarantined", 1),
    ]
    domains = sorted(DomainDay.objects.values_list("day", "domain", "messages", "failed", "failed_hard"))
    assert domains == [
        (june_7, "example.com", 6, 2, 1),
        (june_8, "example.com", 1, 0, 0),
        (june_8, "mail.example.org", 3, 1, 1),
    ]  # SMS numbers have no domain
    agents = sorted(UserAgentDay.objects.values_list("day", "dimension", "name", "visitors", "hits"))
    assert agents == [
        (june_7, "browser", "Chrome", 1, 1),
        (june_7, "browser", "Mobile Safari", 1, 2),
        (june_7, "os", "Windows", 1, 1),
        (june_7, "os", "iOS", 1, 2),
        (june_8, "browser", "Chrome", 2, 2),
        (june_8, "browser", "Mobile Safari", 1, 1),
        (june_8, "os", "Windows", 2, 2),
        (june_8, "os", "iOS", 1, 1),
    ]


def test_a_later_build_rebuilds_the_affected_days_only(tracking, platform):
    email, _sms = platform
    aggregates.rebuild(NOW)
    # An aggregate of a day outside the rebuilt ones is left as it was.
    old = DeliveryDay.objects.create(day=date(2026, 1, 1), delivery=email, channel=email.channel, targeted=7)
    tomorrow = NOW + timedelta(days=1)
    log = DeliveryLog.objects.filter(delivery=email).order_by("pk").first()
    tracking.hit(log, email.tracking_urls.get(kind="open"), at=day(0, 20))
    consolidation.consolidate(tomorrow, 100, log=lambda line: None)
    DeliveryLog.objects.filter(delivery=email, status="sent").update(status="delivered")
    build = aggregates.rebuild(tomorrow)
    assert not build.record.full
    assert (build.record.first_day, build.record.last_day, build.days) == (
        date(2026, 6, 5),
        date(2026, 6, 11),
        7,
    )
    assert DeliveryDay.objects.filter(pk=old.pk).exists()
    assert {
        k: v for k, v in built_delivery_days().items() if k[0] != date(2026, 1, 1)
    } == expected_delivery_days()
    assert AggregateBuild.objects.count() == 2


def test_a_failed_build_leaves_the_previous_aggregates(platform, monkeypatch):
    aggregates.rebuild(NOW)
    before = built_delivery_days()

    def broken(cursor, spans):
        raise RuntimeError("disk full")

    monkeypatch.setattr(aggregates, "_domain_days", broken)
    with pytest.raises(RuntimeError):
        aggregates.rebuild(NOW + timedelta(days=1))
    assert built_delivery_days() == before
    assert AggregateBuild.objects.count() == 1


def test_nothing_to_aggregate_on_an_empty_platform(db):
    build = aggregates.rebuild(NOW)
    assert build.days == 0 and build.record.first_day is None


def test_the_workflow_runs_through_the_engine(platform, time_machine):
    time_machine.move_to(NOW, tick=False)
    run = run_by_name("reportingAggregates")
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.metrics["days_rebuilt"] == 2 and run.metrics["full_rebuild"] is True
    assert AggregateBuild.objects.get().run_id == run.pk
    assert "Full rebuild of 2 days" in " ".join(run.journal.values_list("message", flat=True))
    assert connection.vendor in ("sqlite", "postgresql")
    assert Delivery.objects.count() == 2 and NOW.astimezone(UTC).hour == 0


# Committed transactions: on PostgreSQL the change order is the writing transaction's id,
# so rows written before and after a build must not share one test transaction.
@pytest.mark.django_db(transaction=True)
def test_a_log_written_late_with_an_old_event_time_gets_its_day_rebuilt(tracking, platform):
    email, _sms = platform
    aggregates.rebuild(NOW)
    messages(tracking, email, 90, [SENT] * 2, day(30))  # an import, a month back
    later = NOW + timedelta(days=1)
    build = aggregates.rebuild(later)
    assert date(2026, 5, 11) in {row.day for row in DeliveryDay.objects.filter(delivery=email)}
    assert build.days == 8
    assert built_delivery_days() == expected_delivery_days()
