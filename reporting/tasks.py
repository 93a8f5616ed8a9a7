"""The reporting workflows (thin: the logic is in activity.py, billing.py and aggregates.py)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from workflows.api import Module, technical_workflow

from . import activity, aggregates, billing
from .conf import reporting_settings


@technical_workflow(
    name="billingActiveContactCount",
    label=_("Active profile count"),
    module=Module.DELIVERIES,
    crontab="0 1 * * *",
    # Reads the delivery logs since the last run (the first run: the whole window).
    queue="long",
    time_limit=2 * 3600,
    description=_(
        "Bring the active contacts up to date from the delivery logs and Message Center "
        "messages, count the active profiles and store a snapshot for Customer metrics."
    ),
)
def billing_active_contact_count(ctx):
    return activity.run(ctx, reporting_settings().window_months)


@technical_workflow(
    name="billing",
    label=_("Billing"),
    module=Module.DELIVERIES,
    crontab="0 0 25 * *",
    queue="default",
    time_limit=2 * 3600,
    max_retries=settings.BILLING_MAX_RETRIES,
    retry_backoff=settings.BILLING_RETRY_BACKOFF_SECONDS,
    retry_on=(billing.ReportNotSent,),  # any failure to hand a report to SMTP
    schedule_validator=billing.monthly_schedule_problem,
    description=_(
        "Email the monthly activity report (the month ending the day before) to the billing operator."
    ),
)
def billing_report(ctx):
    return billing.run(ctx, reporting_settings())


@technical_workflow(
    name="reportingAggregates",
    label=_("Reporting aggregates"),
    module=Module.DELIVERIES,
    crontab="0 2 * * *",
    # The first build reads every delivery log.
    queue="long",
    time_limit=2 * 3600,
    description=_(
        "Rebuild the daily aggregates the delivery reports read: messages, failures by type, reason "
        "and recipient domain, opens and clicks per delivery and day, browser statistics."
    ),
)
def reporting_aggregates(ctx):
    return aggregates.run(ctx)
