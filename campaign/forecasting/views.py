"""The provisional calendar (Campaigns › Provisional calendar): month and week views,
its CSV export and "Forecast now" (admin pages: forecasting.urls, campaign.admin_pages)."""

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campaign.admin_pages import page, page_context
from campaign.csv_export import csv_response
from workflows.api import RunStatus, Workflow, WorkflowError, enqueue

from . import calendar_grid
from .contributions import CALENDAR_PERMISSION

WORKFLOW = "forecasting"
RUN_PERMISSION = "workflows.operate_workflow"


def chosen_period(request):
    """(view, anchor day) from ?view=month|week&date=YYYY-MM-DD, with the errors of bad
    values (today's month is shown instead)."""
    errors = []
    view = request.GET.get("view", calendar_grid.MONTH)
    if view not in calendar_grid.VIEWS:
        errors.append(_("Unknown view “%(view)s”: showing the month.") % {"view": view})
        view = calendar_grid.MONTH
    today = timezone.localdate()
    raw = request.GET.get("date")
    anchor = today
    if raw:
        try:
            anchor = date.fromisoformat(raw)
        except ValueError:
            errors.append(_("“%(date)s” is not a date (YYYY-MM-DD): showing today.") % {"date": raw})
    return view, anchor, today, errors


def link(view, day):
    return f"{reverse('forecasting:calendar')}?view={view}&date={day.isoformat()}"


@page(CALENDAR_PERMISSION)
def calendar(request):
    view, anchor, today, errors = chosen_period(request)
    for error in errors:
        messages.error(request, error)
    shown = calendar_grid.build(view, anchor, today)
    workflow = Workflow.objects.filter(name=WORKFLOW).first()
    context = {
        **page_context(request, _("Provisional calendar")),
        "calendar": shown,
        "views": [(key, label, link(key, shown.middle)) for key, label in calendar_grid.VIEWS.items()],
        "previous_url": link(view, shown.previous),
        "next_url": link(view, shown.next),
        "today_url": link(view, today),
        "csv_url": f"{reverse('forecasting:calendar_csv')}?view={view}&date={shown.first.isoformat()}",
        "chart": calendar_grid.chart(shown),
        "can_run": request.user.has_perm(RUN_PERMISSION) and workflow is not None,
        "active_run": workflow.runs.active().first() if workflow else None,
        "run_url": (
            reverse("admin:workflows_workflowrun_change", args=[shown.forecast.run_id])
            if shown.forecast and shown.forecast.run_id
            else None
        ),
    }
    return TemplateResponse(request, "forecasting/calendar.html", context)


@page(CALENDAR_PERMISSION)
def calendar_csv(request):
    """The deliveries of the period shown, with their forecast figures, as CSV."""
    view, anchor, today, errors = chosen_period(request)
    if errors:
        messages.error(request, errors[0])
        return redirect("forecasting:calendar")
    shown = calendar_grid.build(view, anchor, today)
    header = [
        "planned_at",
        "delivery_id",
        "delivery",
        "channel",
        "weight",
        "status",
        "outcome",
        "recipients_targeted",
        "profiles_excluded",
        "messages_forecast",
    ]

    def rows():
        for entry in shown.entries:
            yield [
                timezone.localtime(entry.planned_at).isoformat(),
                entry.delivery.pk,
                entry.delivery.label,
                entry.channel.code,
                entry.weight,
                entry.status,
                entry.outcome,
                entry.targeted,
                entry.excluded,
                entry.volume,
            ]

    filename = f"provisional-calendar-{view}-{shown.first.isoformat()}.csv"
    return csv_response(filename, header, rows())


@page(RUN_PERMISSION)
@require_POST
def forecast_now(request):
    """ "Forecast now": queue a run of the forecasting workflow through the engine."""
    back_to = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back_to, allowed_hosts={request.get_host()}):
        back_to = reverse("forecasting:calendar")
    back = redirect(back_to)
    workflow = Workflow.objects.filter(name=WORKFLOW).first()
    if workflow is None:
        messages.error(request, _("The forecasting workflow is not installed."))
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
            request, _("Forecast queued (run #%(run)s): refresh this page in a moment.") % {"run": run.pk}
        )
    return back
