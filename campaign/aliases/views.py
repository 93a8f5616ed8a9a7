"""The Alias cleansing screen (Administration › Platform › Alias cleansing), "Cleanse
values now" and the CSV of the rows a run changed: admin pages (aliases.urls,
campaign.admin_pages). The runs themselves, and their revert, are in the admin
(admin.py)."""

from django.contrib import messages
from django.db.models import Sum
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.admin_pages import page, page_context
from campaign.csv_export import csv_response
from campaign.models import EnumerationAlias
from workflows.api import RunStatus, Workflow, WorkflowError, enqueue

from . import cleansing
from .models import CleansingRun, RewrittenRow

WORKFLOW = "aliasCleansing"
VIEW_PERMISSION = "aliases.view_cleansingrun"
CLEANSE_PERMISSION = "aliases.cleanse_values"
RUNS_SHOWN = 20
CHART_RUNS = 30
UNTARGETED_SHOWN = 20


def queue_cleansing(request):
    """ "Cleanse values now": queue a run of aliasCleansing through the engine and tell
    the operator what became of it (messages)."""
    workflow = Workflow.objects.filter(name=WORKFLOW).first()
    if workflow is None:
        messages.error(request, _("The alias cleansing workflow is not installed."))
        return None
    try:
        run = enqueue(workflow, user=request.user)
    except WorkflowError as exc:
        messages.error(request, str(exc))
        return None
    if run.status == RunStatus.SKIPPED:
        messages.warning(request, run.error)
    elif run.status == RunStatus.FAILED:
        messages.error(request, run.error)
    else:
        messages.success(
            request,
            _(
                "Alias cleansing queued (run #%(run)s): it cleanses every enumeration with alias "
                "cleansing on. Refresh this page in a moment."
            )
            % {"run": run.pk},
        )
    return run


def _chart(runs):
    ordered = list(reversed(runs))
    return {
        "labels": [date_format(timezone.localtime(run.ran_at), "SHORT_DATETIME_FORMAT") for run in ordered],
        "rewritten": [run.rows_rewritten for run in ordered],
        "collected": [run.values_collected for run in ordered],
        "rewritten_label": _("Rows rewritten"),
        "collected_label": _("Values collected"),
    }


@page(VIEW_PERMISSION)
def cleansing_screen(request):
    runs = list(CleansingRun.objects.latest_first().select_related("reverted_by")[:CHART_RUNS])
    workflow = Workflow.objects.filter(name=WORKFLOW).first()
    untargeted = (
        EnumerationAlias.objects.without_target()
        .select_related("enumeration")
        .order_by("-rows_pending", "-hits", "alias")[:UNTARGETED_SHOWN]
    )
    preview = None
    if request.GET.get("preview") == "1":
        preview = cleansing.pending(timezone.now())
    totals = CleansingRun.objects.aggregate(
        rewritten=Sum("rows_rewritten"), collected=Sum("values_collected")
    )
    context = page_context(
        request,
        _("Alias cleansing"),
        runs=runs[:RUNS_SHOWN],
        chart=_chart(runs),
        totals=totals,
        workflow=workflow,
        workflow_url=reverse("admin:workflows_workflow_change", args=[workflow.pk]) if workflow else None,
        active_run=workflow.runs.active().first() if workflow else None,
        untargeted=untargeted,
        untargeted_total=EnumerationAlias.objects.without_target().count(),
        aliases_url=reverse("admin:campaign_enumerationalias_changelist"),
        enumerations_url=reverse("admin:campaign_enumeration_changelist"),
        preview=preview,
        can_cleanse=request.user.has_perm(CLEANSE_PERMISSION),
    )
    return TemplateResponse(request, "aliases/cleansing.html", context)


@page(CLEANSE_PERMISSION)
@require_POST
def cleanse_now(request):
    queue_cleansing(request)
    return redirect("aliases:cleansing")


@page(VIEW_PERMISSION)
def run_changes_csv(request, run_id):
    """The rows one run changed (while its audit is kept), streamed."""
    run = get_object_or_404(CleansingRun, pk=run_id)
    rows = (
        RewrittenRow.objects.filter(run=run)
        .order_by("binding", "row_id")
        .values_list("binding", "row_id", "old_value", "new_value")
    )
    header = ["binding", "row_id", "old_value", "new_value"]
    return csv_response(f"alias-cleansing-run-{run.pk}.csv", header, rows.iterator(chunk_size=2000))
