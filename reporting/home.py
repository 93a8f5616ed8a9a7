"""Reporting's blocks of the operations home page: the latest active-profile count
against the contracted allowance, and the last billing report."""

from django.urls import reverse

from campaign.configuration import value
from workflows.api import RunStatus, last_run

from .billing import WORKFLOW_NAME
from .metrics import Allowance
from .models import ActiveProfileSnapshot, BillingReport

ALLOWANCE = "reporting.active_profiles_allowance"


def active_profiles(request, now):
    latest = ActiveProfileSnapshot.objects.latest_first().first()
    return {
        "snapshot": latest,
        "allowance": Allowance(value(ALLOWANCE), latest.total) if latest else None,
        "metrics_url": reverse("reporting:customer_metrics"),
    }


def last_billing_report(request, now):
    """The last report: its period, when and to whom it was sent, or why not (its last
    SMTP error, or the last billing run's failure)."""
    report = BillingReport.objects.order_by("-period_start").first()
    run = last_run(WORKFLOW_NAME)
    why_not = ""
    if report is not None and report.sent_at is None:
        failed = run is not None and run.status == RunStatus.FAILED
        why_not = report.last_error or (run.error if failed else "")
    return {
        "report": report,
        "why_not": why_not,
        "reports_url": reverse("admin:reporting_billingreport_changelist"),
    }
