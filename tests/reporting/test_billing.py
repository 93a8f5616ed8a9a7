"""The monthly billing report: period boundaries, figures, small-delivery aggregation,
multipliers, exactly-once sending, missing address and SMTP failures."""

import socket
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from campaign.choices import LogStatus, ProfileTable
from reporting import billing
from reporting.conf import Band, multiplier_for, parse_bands, reporting_settings
from reporting.models import BillingReport
from reporting.periods import billing_period
from workflows.choices import RunStatus, Trigger
from workflows.engine import execute
from workflows.models import Workflow, WorkflowLog
from workflows.registry import get_spec

PARIS = ZoneInfo("Europe/Paris")
RUN_AT = datetime(2026, 5, 25, 0, 0, 10, tzinfo=PARIS)  # the scheduled run on the 25th
PERIOD_START = datetime(2026, 4, 25, 0, 0, tzinfo=PARIS)
PERIOD_END = datetime(2026, 5, 25, 0, 0, tzinfo=PARIS)  # exclusive: 24 May 24:00


@pytest.fixture
def billing_operator(db):
    user = get_user_model().objects.get(username="billing")
    user.email = "billing@example.com"
    user.save()
    return user


def run_billing(at=RUN_AT, trigger=Trigger.MANUAL):
    with time_machine.travel(at, tick=False):
        return execute(get_spec("billing"), trigger=trigger)


# --- Period ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "first", "last"),
    [
        (RUN_AT, date(2026, 4, 25), date(2026, 5, 24)),
        (datetime(2026, 5, 24, 23, 59, tzinfo=PARIS), date(2026, 3, 25), date(2026, 4, 24)),
        (datetime(2026, 1, 25, 0, 0, tzinfo=PARIS), date(2025, 12, 25), date(2026, 1, 24)),
        (datetime(2024, 3, 25, 0, 0, tzinfo=PARIS), date(2024, 2, 25), date(2024, 3, 24)),  # holds 29 Feb
        (datetime(2026, 5, 31, 12, 0, tzinfo=PARIS), date(2026, 4, 25), date(2026, 5, 24)),  # "Run now" later
    ],
)
def test_the_period_is_the_month_ending_the_day_before_the_25th(now, first, last):
    period = billing_period(now)
    assert (period.first_day, period.last_day) == (first, last)


def test_a_billing_schedule_moved_to_another_day_moves_the_period(billing_operator):
    from workflows.api import Cron
    from workflows.states import change_schedule

    change_schedule(Workflow.objects.get(name="billing"), Cron.parse("30 6 10 * *"), True, None)
    run = run_billing(at=datetime(2026, 6, 10, 6, 30, tzinfo=PARIS))
    assert run.status == RunStatus.SUCCEEDED, run.error
    report = BillingReport.objects.get()
    assert (report.period_start, report.period_end) == (date(2026, 5, 10), date(2026, 6, 9))


def test_the_period_runs_from_local_midnight_to_local_midnight():
    period = billing_period(RUN_AT)
    assert period.start == PERIOD_START
    assert period.end == PERIOD_END


# --- Bands -------------------------------------------------------------------


def test_the_band_table_is_parsed_and_applied():
    bands = parse_bands("1000:1,5000:2,*:4")
    assert bands == (Band(1000, 1), Band(5000, 2), Band(None, 4))
    assert [multiplier_for(v, bands) for v in (0, 1000, 1001, 5000, 5001, 10**9)] == [1, 1, 2, 2, 4, 4]


@pytest.mark.parametrize(
    "text", ["", "1000:1", "1000:x,*:2", "5000:1,1000:2,*:3", "*:1,1000:2", "1000:0,*:1"]
)
def test_a_bad_band_table_is_refused_with_its_name(text):
    with pytest.raises(ImproperlyConfigured, match="BILLING_MULTIPLIER_BANDS"):
        parse_bands(text)


def test_a_bad_language_is_refused(settings):
    settings.BILLING_LANGUAGE = "de"
    with pytest.raises(ImproperlyConfigured, match="BILLING_LANGUAGE"):
        reporting_settings()


# --- Figures -------------------------------------------------------------------


def test_the_figures_of_the_period(world, billing_operator, settings):
    settings.BILLING_CUSTOMER_ID = "ACME-42"
    settings.BILLING_INSTANCE_NAME = "acme-mkt"
    settings.BILLING_MULTIPLIER_BANDS = "2000:1,*:3"
    ids = world.recipients(250)
    big = world.delivery(label="May newsletter", started_at=datetime(2026, 5, 2, 9, 0, tzinfo=PARIS))
    world.logs(big, ids[:150], datetime(2026, 5, 2, 9, 5, tzinfo=PARIS), size=3000)  # avg 3000 → ×3
    world.logs(big, ids[150:160], datetime(2026, 5, 2, 9, 5, tzinfo=PARIS), status=LogStatus.PREPARED)
    # Three small deliveries on one start date, one on another: two aggregation lines.
    for n, day in ((10, 3), (20, 3), (30, 3), (5, 4)):
        small = world.delivery(label=f"Small {n}", started_at=datetime(2026, 5, day, 8, 0, tzinfo=PARIS))
        world.logs(small, ids[:n], datetime(2026, 5, day, 8, 1, tzinfo=PARIS), size=500)
    # Started before the period, messages inside it: its start date stays the earlier one.
    early = world.delivery(label="Welcome", started_at=datetime(2026, 4, 20, 8, 0, tzinfo=PARIS))
    world.logs(early, ids[:120], PERIOD_START, size=1000)
    world.logs(early, ids[120:130], PERIOD_START - timedelta(seconds=1), size=1000)  # before: not counted
    world.logs(early, ids[130:140], PERIOD_END, size=1000)  # 25 May 00:00: after the period
    sms = world.delivery("sms", label="Flash sale", started_at=datetime(2026, 5, 10, 10, 0, tzinfo=PARIS))
    world.logs(sms, ids[:40], datetime(2026, 5, 24, 23, 59, 59, tzinfo=PARIS), size=140)

    run = run_billing()
    assert run.status == RunStatus.SUCCEEDED, run.error
    report = BillingReport.objects.get()
    f = report.figures
    assert (report.period_start, report.period_end) == (date(2026, 4, 25), date(2026, 5, 24))
    assert f["customer_id"] == "ACME-42" and f["instance_name"] == "acme-mkt"
    assert f["deliveries"] == 7
    assert f["transferred_bytes"] == 150 * 3000 + 65 * 500 + 120 * 1000 + 40 * 140
    assert f["sms_units"] == 40
    assert f["email_units"] == 150 * 3 + 65 * 1 + 120 * 1
    assert f["profiles"] == 250
    assert f["active_profiles"] == 160  # every targeted profile counts, whatever the log status
    assert f["active_since"] == "2025-05-25"
    assert f["operators"] >= 1
    assert f["database_size"] > 0
    lines = [
        (
            line["start_date"],
            line["label"],
            line["small_deliveries"],
            line["messages"],
            line["multiplier"],
            line["count"],
        )
        for line in f["email_lines"]
    ]
    assert lines == [
        ("2026-04-20", "Welcome", 0, 120, 1, 120),
        ("2026-05-02", "May newsletter", 0, 150, 3, 450),
        ("2026-05-03", "", 3, 60, 1, 60),
        ("2026-05-04", "", 1, 5, 1, 5),
    ]
    assert f["email_total"] == {
        "volume": 450000 + 32500 + 120000,
        "messages": 335,
        "average": (450000 + 32500 + 120000) // 335,
        "count": 635,
    }
    assert f["sms_lines"] == [{"start_date": "2026-05-10", "label": "Flash sale", "count": 40}]

    message = mail.outbox[0]
    assert message.to == ["billing@example.com"]
    assert "ACME-42" in message.body
    assert "[Aggregation of 3 small deliveries]" in message.body
    assert "[Aggregation of 1 small delivery]" in message.body
    assert "Number of active profiles (since 2025-05-25): 160" in message.body
    html = message.alternatives[0][0]
    assert "[Aggregation of 3 small deliveries]" in html
    names = [name for name, _, _ in message.attachments]
    assert names == ["email-deliveries.csv", "sms-deliveries.csv"]
    email_csv = message.attachments[0][1]
    assert "2026-05-03,[Aggregation of 3 small deliveries],30000,500,60,1,60" in email_csv
    assert email_csv.strip().splitlines()[-1].startswith("Total,,602500,")


def test_the_report_is_in_french_when_asked(world, billing_operator, settings):
    settings.BILLING_LANGUAGE = "fr"
    ids = world.recipients(3)
    for n in (1, 2):
        small = world.delivery(label=f"Petit {n}", started_at=datetime(2026, 5, 3, 8, 0, tzinfo=PARIS))
        world.logs(small, ids[:n], datetime(2026, 5, 3, 8, 1, tzinfo=PARIS))
    run = run_billing()
    assert run.status == RunStatus.SUCCEEDED, run.error
    message = mail.outbox[0]
    assert message.subject.startswith("[Campaign] Rapport d'activité")
    assert "2 petites diffusions]" in message.body and "[Aggregation" not in message.body
    assert "Nombre de profils actifs (depuis le 2025-05-25)" in message.body
    assert "Diffusions email" in message.alternatives[0][0]


# --- Exactly once ------------------------------------------------------------------


def test_the_period_is_unique_in_the_database(billing_operator):
    BillingReport.objects.create(
        period_start=date(2026, 4, 25), period_end=date(2026, 5, 24), computed_at=RUN_AT, language="en"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        BillingReport.objects.create(
            period_start=date(2026, 4, 25), period_end=date(2026, 5, 24), computed_at=RUN_AT, language="en"
        )


def test_a_second_beat_or_run_now_sends_nothing_more(world, billing_operator):
    scheduled = run_billing(trigger=Trigger.SCHEDULE)
    again = run_billing(RUN_AT + timedelta(minutes=1), trigger=Trigger.SCHEDULE)  # a second beat
    manual = run_billing(RUN_AT + timedelta(days=2))  # "Run now" later in the month
    assert scheduled.status == RunStatus.SUCCEEDED
    assert again.status == RunStatus.SKIPPED  # the engine: one run per slot
    assert manual.status == RunStatus.SUCCEEDED
    assert manual.metrics["emails_sent"] == 0
    assert len(mail.outbox) == 1
    assert BillingReport.objects.count() == 1
    assert "already sent" in WorkflowLog.objects.filter(run=manual).order_by("id")[1].message


def test_a_report_claimed_by_another_sender_is_not_sent_twice(world, billing_operator):
    with time_machine.travel(RUN_AT, tick=False):
        report = BillingReport.objects.create(
            period_start=date(2026, 4, 25),
            period_end=date(2026, 5, 24),
            computed_at=RUN_AT,
            language="en",
            sending_since=RUN_AT,
            figures={},
        )
    run = run_billing(RUN_AT + timedelta(minutes=1))
    assert run.status == RunStatus.SUCCEEDED
    assert mail.outbox == []
    stale = run_billing(RUN_AT + timedelta(hours=2))
    assert stale.status == RunStatus.FAILED
    assert "did not finish: check the billing mailbox, then use Resend" in stale.error
    report.refresh_from_db()
    assert report.sent_at is None


def test_without_an_address_the_run_fails_with_that_reason_and_a_later_run_sends(world):
    run = run_billing()
    assert run.status == RunStatus.FAILED
    assert run.error == "The operator 'billing' has no email address"
    assert BillingReport.objects.get().sent_at is None  # computed, kept, not sent
    get_user_model().objects.filter(username="billing").update(email="billing@example.com")
    later = run_billing(RUN_AT + timedelta(hours=3))
    assert later.status == RunStatus.SUCCEEDED
    assert len(mail.outbox) == 1
    assert BillingReport.objects.get().sent_to == "billing@example.com"


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_an_smtp_failure_fails_clearly_and_the_next_run_sends_that_period(world, billing_operator, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 5
    failed = run_billing()
    assert failed.status == RunStatus.FAILED
    assert failed.error.startswith("Billing report 2026-04-25 – 2026-05-24 not sent to billing@example.com: ")
    assert "ConnectionRefusedError" in failed.error
    report = BillingReport.objects.get()
    assert report.sent_at is None and report.sending_since is None and report.last_error
    # A month later SMTP works again: the next run sends the unsent period and the new one.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    next_month = run_billing(datetime(2026, 6, 25, 0, 0, 10, tzinfo=PARIS))
    assert next_month.status == RunStatus.SUCCEEDED
    assert next_month.metrics["emails_sent"] == 2
    assert [m.subject for m in mail.outbox] == [
        "[Campaign] Activity report 2026-04-25 – 2026-05-24 (marketing)",
        "[Campaign] Activity report 2026-05-25 – 2026-06-24 (marketing)",
    ]


def test_an_smtp_failure_is_retried_by_the_engine_on_the_same_run(world, billing_operator, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 5
    spec = get_spec("billing")
    assert spec.max_retries >= 1 and spec.retry_backoff > 0
    assert issubclass(billing.ReportNotSent, spec.retry_on)

    class Task:  # what Celery hands the engine: we record the retry it asks for
        retries = []

        def retry(self, **kwargs):
            self.retries.append(kwargs)
            return RuntimeError("retry scheduled")

    with time_machine.travel(RUN_AT, tick=False), pytest.raises(RuntimeError, match="retry scheduled"):
        execute(spec, trigger=Trigger.SCHEDULE, task=Task())
    retry = Task.retries[0]
    assert retry["countdown"] == spec.retry_backoff
    run_id = retry["kwargs"]["run_id"]
    lines = list(WorkflowLog.objects.filter(run_id=run_id).values_list("message", flat=True))
    assert any(
        line.startswith("Attempt 1 failed: Billing report 2026-04-25 – 2026-05-24 not sent") for line in lines
    )
    # The retry (same run row) finds SMTP back and sends the period's report once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(RUN_AT + timedelta(seconds=spec.retry_backoff), tick=False):
        run = execute(spec, trigger=Trigger.SCHEDULE, run_id=run_id)
    assert run.status == RunStatus.SUCCEEDED and run.attempt == 2
    assert len(mail.outbox) == 1


def test_resend_sends_again_and_is_journaled(world, billing_operator, administrator):
    run_billing()
    report = BillingReport.objects.get()
    first_sent = report.sent_at
    billing.resend(report, administrator)
    report.refresh_from_db()
    assert len(mail.outbox) == 2
    assert report.resend_count == 1
    assert report.sent_at == first_sent
    assert WorkflowLog.objects.filter(
        workflow__name="billing", message=f"Billing report {report} resent to billing@example.com by alice"
    ).exists()


def test_the_active_profiles_of_the_report_count_every_profile_table(world, billing_operator):
    # Profiles of external tables count in "profiles" and "active profiles" too.
    ids = world.recipients(2)
    world.logs(world.delivery(table=ProfileTable.MOBILE), [1, 2, 3], datetime(2026, 5, 1, tzinfo=PARIS))
    world.logs(world.delivery(), ids, datetime(2026, 5, 1, tzinfo=PARIS))
    run_billing()
    assert BillingReport.objects.get().figures["active_profiles"] == 5
