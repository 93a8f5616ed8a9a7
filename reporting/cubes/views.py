"""The cube screens (admin pages, campaign.admin_pages; urls.py wraps each with its
permission):

- a report per cube (Reports › Offer analysis, Reports › Message Center events): pick
  dimensions, a date level, a period, filters and measures; a pivot table, a chart and
  a CSV export, read from the aggregate when it covers the request (saying when it was
  built), otherwise from the facts (saying why);
- Administration › Platform › Event intake API keys: issue (the secret is shown once)
  and revoke keys, by POST.
"""

from django.contrib import messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.admin_pages import page_context
from campaign.csv_export import csv_response
from workflows.api import Workflow, get_spec

from . import aggregates, queries, reports
from .endpoint import MAX_BODY_BYTES
from .forms import IssueKeyForm, ReportForm, view_data
from .models import AggregateBuild, IntakeKey


def report_form(request, cube):
    """The bound form: the query string, or a ready-made view (`?view=`, else the first)."""
    chosen = request.GET.get("view")
    views = {view.key: view for view in reports.views_of(cube)}
    # "show" is the form's button: a submitted form with no measure ticked is an error,
    # not a first visit.
    if "measures" in request.GET or "show" in request.GET:
        return ReportForm(request.GET, cube=cube), None
    view = views.get(chosen) or reports.default_view(cube)
    return ReportForm(view_data(view, timezone.localdate()), cube=cube), view


def run_link(build):
    if build is None or build.run_id is None:
        return None
    return reverse("admin:workflows_workflowrun_change", args=[build.run_id])


def report(request, cube_key):
    cube = aggregates.cube_by_key(cube_key)
    form, view = report_form(request, cube)
    result = None
    if form.is_valid():
        result = reports.build_report(cube, form.selection(), form.measure_keys())
    workflow = Workflow.objects.filter(name=cube.workflow).first() if cube.workflow else None
    build = result.source.build if result else AggregateBuild.objects.latest_of(cube.key)
    context = page_context(
        request,
        cube.label,
        cube=cube,
        form=form,
        view=view,
        views=reports.views_of(cube),
        report=result,
        rows=_table_rows(result) if result else [],
        totals=_figures(result, result.totals) if result else [],
        total_span=len(result.selection.dimensions) + bool(result.selection.level) if result else 0,
        build=build,
        run_url=run_link(build),
        workflow=workflow,
        workflow_label=get_spec(cube.workflow).label if workflow and get_spec(cube.workflow) else "",
        workflow_url=(reverse("admin:workflows_workflow_change", args=[workflow.pk]) if workflow else None),
        csv_url=f"{reverse(f'cubes:{cube.key}_csv')}?{request.GET.urlencode()}" if result else None,
        chart=result.chart if result else None,
        row_limit=reports.ROW_LIMIT,
        fact_label=_fact_label(cube),
    )
    return TemplateResponse(request, "cubes/report.html", context)


def _fact_label(cube):
    model = queries.fact_model(cube)
    return model._meta.verbose_name_plural


def figure_text(measure, value):
    """A figure as shown: whole numbers grouped, decimals with one digit and the unit."""
    if value is None:
        return "—"
    if measure.function in ("count", "count_distinct") or (
        measure.function == "sum" and float(value).is_integer()
    ):
        return intcomma(int(value))
    text = number_format(value, 1, force_grouping=True)
    return f"{text}\u00a0{measure.unit}" if measure.unit else text


def _figures(result, values):
    found = []
    for key in result.measures:
        measure = result.cube.measure(key)
        found.append((measure, values.get(key), figure_text(measure, values.get(key))))
    return found


def _table_rows(result):
    """Rows for the template: period, dimension labels, figures in measure order."""
    return [
        {"period": row.period_text, "labels": row.labels, "figures": _figures(result, row.figures)}
        for row in result.rows
    ]


def report_csv(request, cube_key):
    """Every row of the report as CSV, streamed (same query string as the page)."""
    cube = aggregates.cube_by_key(cube_key)
    form, _view = report_form(request, cube)
    if not form.is_valid():
        messages.error(request, _("The report's selection is not valid: nothing was exported."))
        return HttpResponseRedirect(reverse(f"cubes:{cube.key}"))
    selection, measure_keys = form.selection(), form.measure_keys()
    build = AggregateBuild.objects.latest_of(cube.key)
    source = reports.plan(cube, selection, measure_keys, build)
    header = reports.csv_header(cube, selection, measure_keys)
    rows = reports.csv_rows(cube, selection, measure_keys, source)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return csv_response(f"{cube.key}-{stamp}.csv", header, rows)


# --- Intake keys ------------------------------------------------------------------------


def _keys_page(request, form, secret=None, issued=None, status=200):
    context = page_context(
        request,
        _("Event intake API keys"),
        keys=IntakeKey.objects.select_related("created_by", "revoked_by"),
        form=form,
        secret=secret,
        issued=issued,
        endpoint=request.build_absolute_uri(reverse("cubes_public:push_events")),
        can_issue=request.user.has_perm("cubes.add_intakekey"),
        can_revoke=request.user.has_perm("cubes.change_intakekey"),
        max_body_bytes=MAX_BODY_BYTES,
    )
    form.helper.form_action = reverse("cubes:issue_key")
    return TemplateResponse(request, "cubes/intake_keys.html", context, status=status)


def intake_keys(request):
    return _keys_page(request, IssueKeyForm())


@require_POST
def issue_key(request):
    """Issue a key; the page shows its secret this once (it is not stored)."""
    form = IssueKeyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("No key was issued: please correct the errors below."))
        return _keys_page(request, form, status=400)
    key, secret = IntakeKey.issue(form.cleaned_data["name"], request.user, timezone.now())
    messages.success(
        request,
        _("Key “%(name)s” issued. Copy it now: it is shown only this once.") % {"name": key.name},
    )
    return _keys_page(request, IssueKeyForm(), secret=secret, issued=key)


@require_POST
def revoke_key(request, pk):
    key = get_object_or_404(IntakeKey, pk=pk)
    if key.revoke(request.user, timezone.now()):
        messages.success(
            request, _("Key “%(name)s” revoked: it is refused from now on.") % {"name": key.name}
        )
    else:
        messages.warning(request, _("Key “%(name)s” was already revoked.") % {"name": key.name})
    return HttpResponseRedirect(reverse("cubes:intake_keys"))
