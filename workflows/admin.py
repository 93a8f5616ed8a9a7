"""Admin of the technical workflows.

The Workflow changelist is the Technical workflows screen and its change view is the
run history page (workflows/views.py); the actions and the schedule form are extra
admin URLs. django-celery-beat's own PeriodicTask / CrontabSchedule admin is kept
for other tasks, but a workflow's task and crontab are read-only there: editing them
would bypass the schedule form's validation and the change history, so the page
points at the schedule form instead.
"""

from django.contrib import admin, messages
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_celery_beat.admin import CrontabScheduleAdmin, PeriodicTaskAdmin
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from . import models, views
from .choices import RUN_STATUS_COLORS


def _pk(object_id):
    """Admin URLs carry the pk as a path; a non-number is a 404, not a 500."""
    if not str(object_id).isdigit():
        raise Http404
    return int(object_id)


@admin.register(models.Workflow)
class WorkflowAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False  # workflows are declared in code (registry) and created by sync_workflows

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        custom = [
            path("<path:object_id>/run/", wrap(self.run_now_view), name="workflows_workflow_run"),
            path(
                "<path:object_id>/pause/",
                wrap(self.state_view),
                {"action": "pause"},
                name="workflows_workflow_pause",
            ),
            path(
                "<path:object_id>/resume/",
                wrap(self.state_view),
                {"action": "resume"},
                name="workflows_workflow_resume",
            ),
            path(
                "<path:object_id>/stop/",
                wrap(self.state_view),
                {"action": "stop"},
                name="workflows_workflow_stop",
            ),
            path("<path:object_id>/schedule/", wrap(self.schedule_view), name="workflows_workflow_schedule"),
        ]
        return custom + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        return views.workflow_list(request, self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return views.workflow_detail(request, self, _pk(object_id))

    def run_now_view(self, request, object_id):
        return views.run_now(request, self, _pk(object_id))

    def state_view(self, request, object_id, action):
        return views.change_state(request, self, _pk(object_id), action)

    def schedule_view(self, request, object_id):
        return views.schedule_edit(request, self, _pk(object_id))


@admin.register(models.WorkflowRun)
class WorkflowRunAdmin(admin.ModelAdmin):
    """The ledger is written by the engine only: read-only here."""

    list_display = ["id", "workflow", "trigger", "slot", "status_badge", "started_at", "finished_at", "error"]
    list_filter = ["status", "trigger", "workflow"]
    list_select_related = ["workflow"]
    show_full_result_count = False

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, run):
        return format_html(
            '<span class="wf-badge" style="background:{}">{}</span>',
            RUN_STATUS_COLORS.get(run.status, "#6c757d"),
            run.get_status_display(),
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the cleanup workflow purges runs past each workflow's history

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return views.run_detail(request, self, _pk(object_id))


def _workflow_of_task(task):
    try:
        return task.workflow if task is not None else None
    except models.Workflow.DoesNotExist:
        return None


def _schedule_link(request, workflow):
    if request.user.has_perm(views.EDIT_SCHEDULE):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:workflows_workflow_schedule", args=[workflow.pk]),
            gettext("the workflow's schedule form"),
        )
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:workflows_workflow_change", args=[workflow.pk]),
        gettext("the workflow's page"),
    )


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class WorkflowAwarePeriodicTaskAdmin(PeriodicTaskAdmin):
    """Tasks of technical workflows are read-only here; the bulk actions leave them alone."""

    def has_change_permission(self, request, obj=None):
        if _workflow_of_task(obj) is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if _workflow_of_task(obj) is not None:
            return False
        return super().has_delete_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id and str(object_id).isdigit():
            task = PeriodicTask.objects.filter(pk=object_id).select_related("workflow").first()
            workflow = _workflow_of_task(task)
            if workflow is not None and request.method == "GET":
                messages.info(
                    request,
                    format_html(
                        gettext(
                            "This task belongs to the technical workflow {}: it is read-only here. "
                            "Change its schedule with {}, and its state on the Technical workflows screen."
                        ),
                        workflow.name,
                        _schedule_link(request, workflow),
                    ),
                )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _leave_workflows_alone(self, request, queryset):
        skipped = queryset.filter(workflow__isnull=False).count()
        if skipped:
            messages.warning(
                request,
                ngettext(
                    "%(count)s task of a technical workflow left unchanged: use the Technical "
                    "workflows screen (pause, resume, stop) or the workflow's schedule form.",
                    "%(count)s tasks of technical workflows left unchanged: use the Technical "
                    "workflows screen (pause, resume, stop) or the workflow's schedule form.",
                    skipped,
                )
                % {"count": skipped},
            )
        return queryset.filter(workflow__isnull=True)

    @admin.action(description=_("Enable selected tasks"))
    def enable_tasks(self, request, queryset):
        return super().enable_tasks(request, self._leave_workflows_alone(request, queryset))

    @admin.action(description=_("Disable selected tasks"))
    def disable_tasks(self, request, queryset):
        return super().disable_tasks(request, self._leave_workflows_alone(request, queryset))

    @admin.action(description=_("Toggle activity of selected tasks"))
    def toggle_tasks(self, request, queryset):
        return super().toggle_tasks(request, self._leave_workflows_alone(request, queryset))

    @admin.action(description=_("Run selected tasks"))
    def run_tasks(self, request, queryset):
        # "Run now" on the Technical workflows screen records the run in the ledger.
        return super().run_tasks(request, self._leave_workflows_alone(request, queryset))


admin.site.unregister(CrontabSchedule)


@admin.register(CrontabSchedule)
class WorkflowAwareCrontabScheduleAdmin(CrontabScheduleAdmin):
    """A workflow's own crontab is edited through its schedule form only."""

    @staticmethod
    def _is_workflow_schedule(obj):
        return obj is not None and obj.periodictask_set.filter(workflow__isnull=False).exists()

    def has_change_permission(self, request, obj=None):
        if self._is_workflow_schedule(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._is_workflow_schedule(obj):
            return False
        return super().has_delete_permission(request, obj)
