"""The admin pages of the technical workflows: the supervision list, a workflow's run
history, one run, the schedule form, and the POST-only actions.

Wired into the admin site by WorkflowAdmin / WorkflowRunAdmin (workflows/admin.py),
which wraps each view in `admin_site.admin_view` (login, staff, CSRF). Each view
checks its own permission: view_workflow to see, operate_workflow to run / pause /
resume / stop, edit_schedule to change a schedule, view_workflowrun for a run.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import engine, states, supervision
from .choices import RUN_STATUS_COLORS, STATE_COLORS, RunStatus, WorkflowState
from .crontabs import describe
from .forms import MIN_INTERVAL_MINUTES, ScheduleForm
from .models import Workflow, WorkflowRun
from .registry import get_spec
from .slots import current_schedule

VIEW = "workflows.view_workflow"
OPERATE = "workflows.operate_workflow"
EDIT_SCHEDULE = "workflows.edit_schedule"
VIEW_RUN = "workflows.view_workflowrun"
VIEW_LOG = "workflows.view_workflowlog"
VIEW_PERIODIC_TASK = "django_celery_beat.view_periodictask"

# Runs shown on a workflow's page (table and chart); older ones are in the run list.
HISTORY_RUNS = 50
HISTORY_CHANGES = 50

# State actions: the states each may start from, and the state it leads to.
STATE_ACTIONS = {
    "pause": ((WorkflowState.STARTED,), WorkflowState.PAUSED),
    "resume": ((WorkflowState.PAUSED, WorkflowState.STOPPED), WorkflowState.STARTED),
    "stop": ((WorkflowState.STARTED, WorkflowState.PAUSED), WorkflowState.STOPPED),
}


def require(request, permission):
    if not request.user.has_perm(permission):
        raise PermissionDenied


def _in_words(cron):
    """The schedule in words, in the active language."""
    return describe(cron, get_language() or "en")


def _context(request, model_admin, **extra):
    opts = Workflow._meta
    return {
        **model_admin.admin_site.each_context(request),
        "opts": opts,
        "app_label": opts.app_label,
        "can_operate": request.user.has_perm(OPERATE),
        "can_edit_schedule": request.user.has_perm(EDIT_SCHEDULE),
        "can_view_runs": request.user.has_perm(VIEW_RUN),
        "run_status_colors": [(s, s.label, RUN_STATUS_COLORS[s]) for s in RunStatus],
        "state_colors": [(s, s.label, STATE_COLORS[s]) for s in WorkflowState],
        "warning_colors": supervision.WARNING_COLORS,
        **extra,
    }


def workflow_list(request, model_admin):
    """Administration › Production › Technical workflows."""
    require(request, VIEW)
    now = timezone.now()
    # Reading never writes: a run whose worker died shows as "not responding" until
    # beat's tick (or the next run) marks it abandoned.
    context = _context(
        request,
        model_admin,
        title=_("Technical workflows"),
        rows=supervision.workflow_rows(now, get_language() or "en"),
        beat=supervision.beat_status(now),
        now=now,
        late_grace=settings.WORKFLOW_LATE_GRACE_MINUTES,
        paused_period=settings.PAUSED_WORKFLOW_PERIOD_DAYS,
    )
    return TemplateResponse(request, "workflows/workflow_list.html", context)


def _chart_data(runs):
    """Durations of the finished runs, oldest first, for the Chart.js bar chart."""
    points = []
    for run in reversed(runs):
        if run.duration is None:
            continue
        points.append(
            {
                "id": run.pk,
                "label": "#{} {}".format(run.pk, timezone.localtime(run.started_at).strftime("%d/%m %H:%M")),
                "seconds": round(run.duration.total_seconds(), 3),
                "status": run.get_status_display(),
                "color": RUN_STATUS_COLORS.get(run.status, "#6c757d"),
            }
        )
    return points


def workflow_detail(request, model_admin, object_id):
    """A workflow's properties, schedule, duration chart, runs and change history."""
    require(request, VIEW)
    now = timezone.now()
    workflow = get_object_or_404(
        Workflow.objects.select_related("periodic_task__crontab", "supervisors"), pk=object_id
    )
    runs = list(workflow.runs.select_related("triggered_by")[:HISTORY_RUNS])
    for run in runs:
        run.not_responding = supervision.not_responding(run, now)
    schedule = current_schedule(workflow)
    cron, tz, enabled = schedule.cron, schedule.tz, schedule.enabled
    context = _context(
        request,
        model_admin,
        title=f"{supervision.display_label(workflow)} ({workflow.name})",
        description=supervision.display_description(workflow),
        workflow=workflow,
        original=workflow,
        spec=get_spec(workflow.name),
        cron=cron,
        tz=tz,
        enabled=enabled,
        schedule_text=_in_words(cron),
        next_fires=supervision.next_fire_times(cron, tz, now) if enabled else [],
        late_slot=supervision.late_slot(workflow, now),
        paused_days=supervision.paused_days(workflow, now),
        runs=runs,
        trend=supervision.duration_trend(runs),
        chart_data=_chart_data(runs),
        changes=workflow.changes.select_related("changed_by")[:HISTORY_CHANGES],
        periodic_task_url=_periodic_task_url(request, workflow),
        history_runs=HISTORY_RUNS,
    )
    return TemplateResponse(request, "workflows/workflow_detail.html", context)


def _periodic_task_url(request, workflow):
    if workflow.periodic_task_id is None or not request.user.has_perm(VIEW_PERIODIC_TASK):
        return None
    return reverse("admin:django_celery_beat_periodictask_change", args=[workflow.periodic_task_id])


def _back(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(default)


@require_POST
def run_now(request, model_admin, object_id):
    """Queue a run at once (engine.enqueue); a duplicate comes back skipped."""
    require(request, OPERATE)
    workflow = get_object_or_404(Workflow, pk=object_id)
    try:
        run = engine.enqueue(workflow, request.user)
    except engine.WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        if run.status == RunStatus.QUEUED:
            messages.success(
                request,
                _("Workflow %(workflow)s: queued as run #%(run)s.")
                % {"workflow": workflow.name, "run": run.pk},
            )
        elif run.status == RunStatus.SKIPPED:
            messages.warning(request, _("Workflow %(workflow)s not run. %(reason)s") % _reason(workflow, run))
        else:
            messages.error(request, _("Workflow %(workflow)s not run. %(reason)s") % _reason(workflow, run))
    return _back(request, reverse("admin:workflows_workflow_changelist"))


def _reason(workflow, run):
    return {"workflow": workflow.name, "reason": run.error}


@require_POST
def change_state(request, model_admin, object_id, action):
    """Pause, resume (or start a stopped workflow) or stop: schedules.set_state."""
    require(request, OPERATE)
    if action not in STATE_ACTIONS:
        raise Http404
    workflow = get_object_or_404(Workflow.objects.select_related("periodic_task"), pk=object_id)
    allowed_from, target = STATE_ACTIONS[action]
    if workflow.state not in allowed_from:
        messages.error(
            request,
            _("Workflow %(workflow)s is %(state)s: it cannot be %(action)s.")
            % {
                "workflow": workflow.name,
                "state": workflow.get_state_display().lower(),
                "action": {"pause": _("paused"), "resume": _("resumed"), "stop": _("stopped")}[action],
            },
        )
    else:
        states.set_state(workflow, target, request.user)
        messages.success(
            request,
            _("Workflow %(workflow)s is now %(state)s.")
            % {"workflow": workflow.name, "state": WorkflowState(target).label.lower()},
        )
    return _back(request, reverse("admin:workflows_workflow_changelist"))


def schedule_edit(request, model_admin, object_id):
    """Edit the crontab and enabled flag (administrators); Preview shows the next five
    fire times of the submitted values without saving."""
    require(request, EDIT_SCHEDULE)
    now = timezone.now()
    workflow = get_object_or_404(Workflow.objects.select_related("periodic_task__crontab"), pk=object_id)
    task = workflow.periodic_task
    if task is None or task.crontab_id is None:
        messages.error(
            request,
            _("Workflow %(workflow)s has no schedule yet: run sync_workflows.") % {"workflow": workflow.name},
        )
        return HttpResponseRedirect(reverse("admin:workflows_workflow_change", args=[workflow.pk]))
    schedule = current_schedule(workflow)
    current_cron, tz = schedule.cron, schedule.tz
    spec = get_spec(workflow.name)
    validator = spec.schedule_validator if spec is not None else None
    preview = None
    too_frequent = False
    if request.method == "POST":
        form = ScheduleForm(request.POST, now=now, validator=validator)
        if form.is_valid():
            cron = form.cleaned_data["cron"]
            if "save" in request.POST:
                enabled = form.cleaned_data["enabled"]
                if states.change_schedule(workflow, cron, enabled, request.user):
                    messages.success(
                        request,
                        _("Schedule of %(workflow)s saved: %(cron)s (%(words)s).")
                        % {"workflow": workflow.name, "cron": cron, "words": _in_words(cron)},
                    )
                else:
                    messages.info(request, _("Nothing changed."))
                return HttpResponseRedirect(reverse("admin:workflows_workflow_change", args=[workflow.pk]))
            preview = {
                "cron": cron,
                "words": _in_words(cron),
                "fires": supervision.next_fire_times(cron, tz, now),
            }
            too_frequent = _too_frequent(preview["fires"])
    else:
        form = ScheduleForm(initial=ScheduleForm.initial_for(task), now=now, validator=validator)
    context = _context(
        request,
        model_admin,
        title=_("Schedule of %(workflow)s") % {"workflow": supervision.display_label(workflow)},
        workflow=workflow,
        original=workflow,
        form=form,
        current_cron=current_cron,
        current_words=_in_words(current_cron),
        current_enabled=task.enabled,
        current_fires=supervision.next_fire_times(current_cron, tz, now),
        tz=tz,
        preview=preview,
        too_frequent=too_frequent,
        min_interval=MIN_INTERVAL_MINUTES,
        periodic_task_url=_periodic_task_url(request, workflow),
    )
    return TemplateResponse(request, "workflows/schedule_form.html", context)


def _too_frequent(fires):
    moments = [utc for utc, _local in fires]
    return any(
        (b - a).total_seconds() < MIN_INTERVAL_MINUTES * 60
        for a, b in zip(moments, moments[1:], strict=False)
    )


def run_detail(request, model_admin, object_id):
    """One run: properties, metrics, journal lines and traceback."""
    require(request, VIEW_RUN)
    run = get_object_or_404(WorkflowRun.objects.select_related("workflow", "triggered_by"), pk=object_id)
    journal = run.journal.order_by("created_at", "id") if request.user.has_perm(VIEW_LOG) else None
    opts = WorkflowRun._meta
    context = {
        **_context(request, model_admin),
        "opts": opts,
        "title": _("Run #%(run)s of %(workflow)s") % {"run": run.pk, "workflow": run.workflow.name},
        "run": run,
        "original": run,
        "metrics": sorted((run.metrics or {}).items()),
        "journal": journal,
        "can_view_workflow": request.user.has_perm(VIEW),
    }
    return TemplateResponse(request, "workflows/run_detail.html", context)
