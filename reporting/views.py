"""The Customer metrics screen (Administration › Campaign Management › Customer metrics),
its CSV export and "Recount now": admin pages (reporting.urls, campaign.admin_pages)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.admin_pages import page, page_context
from campaign.choices import ProfileTable
from campaign.configuration import value
from campaign.csv_export import csv_response
from campaign.models import Channel
from workflows.api import RunStatus, Workflow, WorkflowError, enqueue

from . import metrics
from .models import ActiveProfileSnapshot

COUNT_WORKFLOW = "billingActiveContactCount"
VIEW_PERMISSION = "reporting.view_activeprofilesnapshot"
RECOUNT_PERMISSION = "reporting.recount_active_profiles"
ALLOWANCE = "reporting.active_profiles_allowance"
CHANGE_SETTINGS = "campaign.change_settingvalue"


def run_url(run_id):
    """The admin page of a workflow run, or None without a run."""
    return reverse("admin:workflows_workflowrun_change", args=[run_id]) if run_id else None


@page(VIEW_PERMISSION)
def customer_metrics(request):
    chosen = request.GET.get("range", "30d")
    if chosen not in metrics.RANGES:
        messages.error(request, _("Unknown range %(range)s: showing the last 30 days.") % {"range": chosen})
        chosen = "30d"
    now = timezone.now()
    latest = ActiveProfileSnapshot.objects.latest_first().first()
    series = metrics.daily_series(now, metrics.RANGES[chosen])
    backfilled = metrics.backfilled_days(now, metrics.RANGES[chosen])
    workflow = Workflow.objects.filter(name=COUNT_WORKFLOW).first()
    context = {
        **page_context(request, _("Customer metrics")),
        "snapshot": latest,
        "run_url": run_url(latest.run_id) if latest else None,
        "range": chosen,
        "ranges": [("30d", _("30 days")), ("1y", _("1 year"))],
        "series": series,
        "backfilled_days": backfilled,
        "chart": {
            "labels": [day.isoformat() for day, _total in series],
            "values": [total for _day, total in series],
            "backfilled": [day in backfilled for day, _total in series],
            "label": _("Active profiles"),
        },
        "can_recount": request.user.has_perm(RECOUNT_PERMISSION),
        "active_run": workflow.runs.active().first() if workflow else None,
        "snapshots_url": reverse("admin:reporting_activeprofilesnapshot_changelist"),
        "settings_url": reverse("campaign:settings") if request.user.has_perm(CHANGE_SETTINGS) else None,
    }
    if latest is not None:
        context.update(metrics.screen(latest, value(ALLOWANCE)))
    return TemplateResponse(request, "reporting/customer_metrics.html", context)


@page(VIEW_PERMISSION)
def snapshots_csv(request):
    """Every snapshot as CSV, streamed (no list of rows in memory)."""
    tables = ProfileTable.values
    channels = list(Channel.objects.order_by("code").values_list("code", flat=True))
    header = (
        ["computed_at", "window_start", "window_end", "window_months", "active_profiles"]
        + [f"active_{table}" for table in tables]
        + [f"channel_{code}" for code in channels]
        + ["profiles_total"]
        + [f"profiles_{table}" for table in tables]
        + ["excluded_channels", "run"]
    )

    def rows():
        for snapshot in ActiveProfileSnapshot.objects.order_by("computed_at", "id").iterator(chunk_size=500):
            yield (
                [
                    timezone.localtime(snapshot.computed_at).isoformat(),
                    timezone.localtime(snapshot.window_start).isoformat(),
                    timezone.localtime(snapshot.window_end).isoformat(),
                    snapshot.window_months,
                    snapshot.total,
                ]
                + [snapshot.per_table.get(table, 0) for table in tables]
                + [snapshot.per_channel.get(code, "") for code in channels]
                + [snapshot.total_profiles]
                + [snapshot.profiles_per_table.get(table, 0) for table in tables]
                + [" ".join(snapshot.excluded_channels), snapshot.run_id or ""]
            )

    return csv_response("active-profile-snapshots.csv", header, rows())


@page(RECOUNT_PERMISSION)
@require_POST
def recount(request):
    """ "Recount now": queue a run of billingActiveContactCount through the engine."""
    back = redirect("reporting:customer_metrics")
    workflow = Workflow.objects.filter(name=COUNT_WORKFLOW).first()
    if workflow is None:
        messages.error(request, _("The active profile count workflow is not installed."))
        return back
    try:
        run = enqueue(workflow, user=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return back
    if run.status == RunStatus.SKIPPED:
        messages.warning(request, run.error)
    elif run.status == RunStatus.FAILED:
        messages.error(request, run.error)
    else:
        messages.success(
            request, _("Recount queued (run #%(run)s): refresh this page in a moment.") % {"run": run.pk}
        )
    return back
