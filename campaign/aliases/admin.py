"""Alias cleansing in the admin: the runs (read only, with their rewrites per field and
alias) and "Revert this run…"; and "Cleanse values now" on the core's enumerations
(this app re-registers the core's EnumerationAdmin with that action: the core does not
know this app)."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from campaign.admin import EnumerationAdmin
from campaign.models import Enumeration

from . import reverting
from .models import AliasRewrite, CleansingRun, RewrittenRow
from .views import queue_cleansing


class AliasRewriteInline(admin.TabularInline):
    model = AliasRewrite
    fields = ["field", "matched", "alias", "target", "rows_rewritten", "rows_restored"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CleansingRun)
class CleansingRunAdmin(admin.ModelAdmin):
    # Few, short columns and no filter column: the list fits 1,280 px (the rest is on a run's page).
    list_display = ["__str__", "hits_mode", "values_collected", "rows_rewritten", "status"]
    date_hierarchy = "ran_at"
    actions = ["revert_run"]
    inlines = [AliasRewriteInline]
    fields = [
        "ran_at",
        "workflow_run_link",
        "hits_mode",
        "values_collected",
        "rows_rewritten",
        "hits_updated",
        "per_field",
        "status",
        "reverted_at",
        "reverted_by",
        "rows_restored",
        "rows_kept",
        "changes",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # A run's rows can be millions: cleanup purges them set-based, never one by one.
        return False

    def has_revert_permission(self, request):
        return request.user.has_perm("aliases.revert_cleansingrun")

    @admin.display(description=_("workflow run"))
    def workflow_run_link(self, obj):
        if obj.workflow_run_id is None:
            return "-"
        url = reverse("admin:workflows_workflowrun_change", args=[obj.workflow_run_id])
        return format_html('<a href="{}">#{}</a>', url, obj.workflow_run_id)

    @admin.display(description=_("per field"))
    def per_field(self, obj):
        if not obj.fields:
            return "-"
        line = _(
            "%(field)s (enumeration %(enumeration)s): %(collected)s values collected, "
            "%(rewritten)s rows rewritten, hits updated for %(hits)s aliases"
        )
        items = (
            (
                line
                % {
                    "field": item["field"],
                    "enumeration": item["enumeration"],
                    "collected": item["collected"],
                    "rewritten": item["rewritten"],
                    "hits": item["hits_updated"],
                },
            )
            for item in obj.fields
        )
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", items))

    @admin.display(description=_("rows changed"))
    def changes(self, obj):
        if not obj.rows_rewritten:
            return "-"
        if not RewrittenRow.objects.filter(run=obj).exists():
            return _("purged (retention of the alias changes): the run can no longer be reverted")
        url = reverse("aliases:run_changes_csv", args=[obj.pk])
        return format_html('<a href="{}" download>{}</a>', url, _("Download the rows this run changed (CSV)"))

    @admin.action(description=_("Revert the selected run…"), permissions=["revert"])
    def revert_run(self, request, queryset):
        runs = list(queryset[:2])
        if len(runs) != 1:
            self.message_user(request, _("Select exactly one run to revert."), messages.ERROR)
            return None
        run = runs[0]
        if "confirm" in request.POST:
            try:
                done = reverting.revert(run, request.user, timezone.now())
            except reverting.RevertRefused as exc:
                self.message_user(
                    request, _("Nothing was reverted: %(reason)s.") % {"reason": exc}, messages.ERROR
                )
                return None
            self.message_user(
                request,
                _(
                    "Run #%(run)s reverted: %(restored)s rows restored, %(kept)s kept (they no longer "
                    "held the value the run wrote)."
                )
                % {"run": run.pk, "restored": done.restored, "kept": done.kept},
                messages.SUCCESS,
            )
            return None
        rewrites = AliasRewrite.objects.filter(run=run).select_related("alias__value")
        still_aliased = [rewrite for rewrite in rewrites if rewrite.alias and rewrite.alias.value_id]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Revert alias cleansing run #%(run)s") % {"run": run.pk},
            "opts": self.model._meta,
            "run": run,
            "rewrites": rewrites,
            "still_aliased": still_aliased,
            "audit_kept": RewrittenRow.objects.filter(run=run).exists(),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "aliases/revert_confirm.html", context)


class CleansingEnumerationAdmin(EnumerationAdmin):
    """The core's enumerations, with "Cleanse values now" (it runs aliasCleansing)."""

    actions = [*EnumerationAdmin.actions, "cleanse_values_now"]

    def has_cleanse_permission(self, request):
        return request.user.has_perm("aliases.cleanse_values")

    @admin.action(description=_("Cleanse values now"), permissions=["cleanse"])
    def cleanse_values_now(self, request, queryset):
        if not queryset.filter(alias_cleansing=True).exists():
            self.message_user(
                request,
                _("None of the selected enumerations has alias cleansing on: nothing to cleanse."),
                messages.ERROR,
            )
            return None
        queue_cleansing(request)
        return None


admin.site.unregister(Enumeration)
admin.site.register(Enumeration, CleansingEnumerationAdmin)
