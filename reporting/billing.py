"""The monthly billing report, emailed to the `billing` operator on the 25th.

The period is the month that ends the day before the run (25 April 00:00 to 24 May
24:00 in TIME_ZONE). The report is computed once and stored with a database-unique
period; it is emailed exactly once: a second beat, a retry or "Run now" finds it sent
and sends nothing. Only the explicit "Resend" admin action sends it again (journaled).

Sending is claimed first (`sending_since`, set by a conditional UPDATE), so two senders
never hand the same report to SMTP. An SMTP failure releases the claim and raises
`ReportNotSent` (the billing run's `retry_on`: the engine retries with backoff); a later
run sends every report still unsent, oldest first. A claim left by a process that died
while sending is not sent again automatically: nobody knows whether SMTP accepted it.

Figures (messages = delivery logs in the period whose status is sent, delivered or
failed, i.e. every message the MTA attempted):
- deliveries: deliveries with at least one message in the period;
- transferred bytes: their sizes summed;
- email units: the email table's grand total count (messages × multiplier);
- SMS units: SMS messages;
- profiles, active profiles (counted in the same run, 12 months back from the run);
- operators: active staff accounts; database size: PostgreSQL's pg_database_size, or
  the SQLite file's size.
Email deliveries with fewer than BILLING_SMALL_DELIVERY_THRESHOLD (100) messages in the
period are grouped per start date into one "[Aggregation of N small deliveries]" line.
The multiplier of a line comes from its average message volume through the band table
BILLING_MULTIPLIER_BANDS (default: up to 100 KiB ×1, 200 KiB ×2, 500 KiB ×3, 1 MiB ×4,
above ×5).
"""

import os
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Min, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaign.choices import LogStatus
from campaign.csv_export import csv_text
from campaign.models import DeliveryLog
from workflows.api import WorkflowError, build_email, journal, one_line, schedule_of

from . import activity
from .conf import multiplier_for
from .models import BillingReport
from .periods import BILLING_DAY, billing_period

BILLING_OPERATOR = "billing"
WORKFLOW_NAME = "billing"
# Every message the MTA attempted counts: sent, delivered, or failed (bounced).
MESSAGE_STATUSES = (LogStatus.SENT, LogStatus.DELIVERED, LogStatus.FAILED)
EMAIL_CHANNEL, SMS_CHANNEL = "email", "sms"
# A claim older than this belongs to a sender that died (SMTP timeouts are far shorter).
STALE_CLAIM = timedelta(minutes=30)


def billing_day():
    """The day of the month the billing run is scheduled on (the schedule form keeps it
    a single day from 1 to 28); a period ends the day before it."""
    schedule = schedule_of(WORKFLOW_NAME)
    day = schedule.cron.day_of_month if schedule is not None else ""
    return int(day) if day.isdigit() and 1 <= int(day) <= 28 else BILLING_DAY


def monthly_schedule_problem(cron):
    """Why the billing schedule form refuses `cron`, or None: the report covers a
    calendar month, so the run fires once a month, on one day from 1 to 28 (a day every
    month has), at one time."""
    single = {
        "minute": (cron.minute, 0, 59),
        "hour": (cron.hour, 0, 23),
        "day_of_month": (cron.day_of_month, 1, 28),
    }
    fires_once = all(
        value.isdigit() and low <= int(value) <= high for value, low, high in single.values()
    ) and (cron.month_of_year, cron.day_of_week) == ("*", "*")
    if fires_once:
        return None
    return _(
        "The billing report is sent once a month: give one minute, one hour and one day of the month "
        "from 1 to 28, every month and any day of the week (for example 0 0 25 * *)."
    )


class ReportNotSent(WorkflowError):
    """SMTP refused or could not be reached: a readable line, retried by the engine."""


# --- Figures ----------------------------------------------------------------


def messages_in(period):
    return DeliveryLog.objects.between(period.start, period.end).filter(status__in=MESSAGE_STATUSES)


def per_delivery(period):
    """One row per delivery, of any channel, with messages in the period (aggregated in
    SQL): the one read of the period's logs, from which the summary and tables derive."""
    rows = (
        messages_in(period)
        .order_by()
        .values("delivery_id", "delivery__label", "delivery__started_at", "delivery__channel__code")
        .annotate(volume=Sum("message_size"), messages=Count("pk"), first_message=Min("event_at"))
    )
    return [
        {
            "channel": row["delivery__channel__code"],
            "label": row["delivery__label"],
            "start_date": timezone.localtime(row["delivery__started_at"] or row["first_message"]).date(),
            "volume": int(row["volume"] or 0),
            "messages": int(row["messages"]),
        }
        for row in rows
    ]


def email_table(deliveries, threshold, bands):
    """Lines of the email table, small deliveries grouped per start date, and the total."""
    big, small = [], {}
    for row in deliveries:  # one row per email delivery, not per log
        if row["messages"] >= threshold:
            big.append(row)
            continue
        group = small.setdefault(
            row["start_date"], {"start_date": row["start_date"], "n": 0, "volume": 0, "messages": 0}
        )
        group["n"] += 1
        group["volume"] += row["volume"]
        group["messages"] += row["messages"]
    lines = [{**row, "small_deliveries": 0} for row in big] + [
        {
            "start_date": group["start_date"],
            "label": "",
            "small_deliveries": group["n"],
            "volume": group["volume"],
            "messages": group["messages"],
        }
        for group in small.values()
    ]
    for line in lines:
        line["average"] = line["volume"] // line["messages"] if line["messages"] else 0
        line["multiplier"] = multiplier_for(line["average"], bands)
        line["count"] = line["messages"] * line["multiplier"]
        line.pop("channel", None)
    lines.sort(key=lambda line: (line["start_date"], line["small_deliveries"] > 0, line["label"]))
    volume = sum(line["volume"] for line in lines)
    messages = sum(line["messages"] for line in lines)
    total = {
        "volume": volume,
        "messages": messages,
        "average": volume // messages if messages else 0,
        "count": sum(line["count"] for line in lines),
    }
    return lines, total


def sms_table(deliveries):
    lines = [
        {"start_date": row["start_date"], "label": row["label"], "count": row["messages"]}
        for row in deliveries
    ]
    lines.sort(key=lambda line: (line["start_date"], line["label"]))
    return lines, sum(line["count"] for line in lines)


def database_size():
    """(bytes, how it was measured)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return int(cursor.fetchone()[0]), "pg_database_size"
    name = connection.settings_dict["NAME"]
    return (os.path.getsize(name) if os.path.exists(str(name)) else 0), "sqlite file"


def compute(period, now, conf, run=None):
    """All the figures of the report, as stored (JSON: dates as ISO strings)."""
    deliveries = per_delivery(period)
    email_lines, email_total = email_table(
        [row for row in deliveries if row["channel"] == EMAIL_CHANNEL],
        conf.small_delivery_threshold,
        conf.bands,
    )
    sms_lines, sms_total = sms_table([row for row in deliveries if row["channel"] == SMS_CHANNEL])
    activity.bring_up_to_date(now, conf.window_months)
    snapshot = activity.snapshot(now, conf.window_months, run=run)
    size, size_source = database_size()
    operators = get_user_model().objects.filter(is_active=True, is_staff=True).count()
    return {
        "customer_id": conf.customer_id,
        "instance_name": conf.instance_name,
        "time_zone": settings.TIME_ZONE,
        "period_start": period.first_day.isoformat(),
        "period_end": period.last_day.isoformat(),
        "deliveries": len(deliveries),
        "transferred_bytes": sum(row["volume"] for row in deliveries),
        "email_units": email_total["count"],
        "sms_units": sms_total,
        "profiles": snapshot.total_profiles,
        "active_profiles": snapshot.total,
        "active_since": timezone.localtime(snapshot.window_start).date().isoformat(),
        "active_snapshot": snapshot.pk,
        "operators": operators,
        "database_size": size,
        "database_size_source": size_source,
        "email_lines": _iso_dates(email_lines),
        "email_total": email_total,
        "sms_lines": _iso_dates(sms_lines),
        "sms_total": sms_total,
    }


def _iso_dates(lines):
    return [{**line, "start_date": line["start_date"].isoformat()} for line in lines]


def report_for(period, ctx, conf):
    """The stored report of the period, computed now if it does not exist yet."""
    existing = BillingReport.objects.filter(period_start=period.first_day).first()
    if existing is not None:
        return existing, False
    figures = compute(period, ctx.now, conf, run=ctx.run)
    try:
        with transaction.atomic():
            return (
                BillingReport.objects.create(
                    period_start=period.first_day,
                    period_end=period.last_day,
                    computed_at=ctx.now,
                    figures=figures,
                    language=conf.language,
                    run=ctx.run,
                ),
                True,
            )
    except IntegrityError:  # another process stored it meanwhile: the unique period wins
        return BillingReport.objects.get(period_start=period.first_day), False


# --- Email ------------------------------------------------------------------


def operator_address():
    """The billing operator's address, or a WorkflowError saying exactly what is missing."""
    operator = get_user_model().objects.filter(username=BILLING_OPERATOR).first()
    if operator is None:
        raise WorkflowError(f"There is no operator '{BILLING_OPERATOR}' to send the billing report to")
    if not operator.email:
        raise WorkflowError(f"The operator '{BILLING_OPERATOR}' has no email address")
    if not operator.is_active:
        raise WorkflowError(f"The operator '{BILLING_OPERATOR}' is disabled")
    return operator.email


def email_label(line):
    if line.get("small_deliveries"):
        count = line["small_deliveries"]
        return ngettext(
            "[Aggregation of %(n)s small delivery]", "[Aggregation of %(n)s small deliveries]", count
        ) % {"n": count}
    return line["label"]


def context_for(report):
    figures = report.figures
    to_date = date.fromisoformat
    email_lines = [
        {**line, "start_date": to_date(line["start_date"]), "label": email_label(line)}
        for line in figures["email_lines"]
    ]
    sms_lines = [{**line, "start_date": to_date(line["start_date"])} for line in figures["sms_lines"]]
    return {
        "report": report,
        "f": figures,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "active_since": to_date(figures["active_since"]),
        "email_lines": email_lines,
        "sms_lines": sms_lines,
    }


def attachments(context):
    email_csv = csv_text(
        [
            _("Start date"),
            _("Label"),
            _("Total volume"),
            _("Average volume"),
            _("Messages"),
            _("Multiplier"),
            _("Count"),
        ],
        [
            [
                line["start_date"].isoformat(),
                line["label"],
                line["volume"],
                line["average"],
                line["messages"],
                line["multiplier"],
                line["count"],
            ]
            for line in context["email_lines"]
        ]
        + [
            [
                _("Total"),
                "",
                context["f"]["email_total"]["volume"],
                context["f"]["email_total"]["average"],
                context["f"]["email_total"]["messages"],
                "",
                context["f"]["email_total"]["count"],
            ]
        ],
    )
    sms_csv = csv_text(
        [_("Start date"), _("Label"), _("Count")],
        [[line["start_date"].isoformat(), line["label"], line["count"]] for line in context["sms_lines"]]
        + [[_("Total"), "", context["f"]["sms_total"]]],
    )
    return [("email-deliveries.csv", email_csv), ("sms-deliveries.csv", sms_csv)]


def build_message(report, to):
    with translation.override(report.language):
        context = context_for(report)
        message = build_email("reporting-billing", context, [to])
        files = attachments(context)
    for name, content in files:
        message.attach(name, content, "text/csv")
    return message


def _when(moment):
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _claim(report, now):
    """Take the right to send: one conditional UPDATE, so two senders cannot both win."""
    return BillingReport.objects.filter(
        pk=report.pk, sent_at__isnull=True, sending_since__isnull=True
    ).update(sending_since=now)


def _send(report, to):
    """Hand the report to SMTP; release the claim and raise ReportNotSent on failure."""
    try:
        build_message(report, to).send()
    except Exception as exc:
        reason = one_line(exc)[:300]
        BillingReport.objects.filter(pk=report.pk).update(sending_since=None, last_error=reason)
        raise ReportNotSent(f"Billing report {report} not sent to {to}: {reason}") from exc


def deliver(report, to, ctx):
    """Send an unsent report once; returns the number of emails sent (0 or 1)."""
    if not _claim(report, ctx.now):
        report.refresh_from_db()
        if report.sent_at is not None:
            ctx.log(f"Billing report {report} was already sent at {_when(report.sent_at)}")
            return 0
        # (sending_since may be None: the other sender failed and released it just now.)
        if report.sending_since is not None and ctx.now - report.sending_since > STALE_CLAIM:
            raise WorkflowError(
                f"Billing report {report} was being sent at "
                f"{_when(report.sending_since)} by a process that did not finish: "
                "check the billing mailbox, then use Resend if it did not arrive"
            )
        ctx.log(f"Billing report {report} is being sent by another process")
        return 0
    _send(report, to)
    BillingReport.objects.filter(pk=report.pk).update(
        sending_since=None, sent_at=ctx.now, sent_to=to, last_error=""
    )
    ctx.log(f"Billing report {report} sent to {to}")
    return 1


def run(ctx, conf):
    """The billing workflow: compute the period's report if needed, send what is unsent."""
    period = billing_period(ctx.now, billing_day())
    report, created = report_for(period, ctx, conf)
    if created:
        ctx.log(
            f"Billing report {report} computed: {report.figures['deliveries']} deliveries, "
            f"{report.figures['active_profiles']} active profiles since {report.figures['active_since']}"
        )
    pending = list(
        BillingReport.objects.unsent().filter(period_start__lte=period.first_day).order_by("period_start")
    )
    sent = 0
    if pending:
        to = operator_address()
        for unsent in pending:  # normally one; more only after a month of failures
            sent += deliver(unsent, to, ctx)
    else:
        ctx.log(f"Billing report {report} was already sent at {_when(report.sent_at)}: nothing to send")
    return {"report": report.pk, "emails_sent": sent, "computed": int(created)}


def resend(report, user, now=None):
    """The explicit "Resend" action: send the stored report again and journal it."""
    now = now or timezone.now()
    to = operator_address()
    if report.sending_since is not None and now - report.sending_since < STALE_CLAIM:
        raise WorkflowError(f"Billing report {report} is being sent right now")
    try:
        build_message(report, to).send()
    except Exception as exc:
        raise ReportNotSent(f"Billing report {report} not resent to {to}: {one_line(exc)}") from exc
    # The first sending time stays; the resend is counted and journaled.
    BillingReport.objects.filter(pk=report.pk).update(
        sent_at=Coalesce("sent_at", Value(now)), sent_to=to, last_error="", resend_count=F("resend_count") + 1
    )
    journal(WORKFLOW_NAME, f"Billing report {report} resent to {to} by {user.get_username()}", at=now)
    return to
