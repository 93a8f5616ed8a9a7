"""Reporting in the admin: the Customer metrics screen (custom views of the snapshot
admin), the read-only snapshots, and the billing reports with their "Resend" action."""

from django.contrib import admin, messages
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from workflows.api import WorkflowError

from . import billing, views
from .models import ActiveProfileSnapshot, BillingReport


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the workflows only: nobody adds, changes or deletes them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def run_link(run_id):
    return format_html('<a href="{}">#{}</a>', views.run_url(run_id), run_id) if run_id else "-"


@admin.register(ActiveProfileSnapshot)
class ActiveProfileSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["computed_at", "total", "window_start", "window_months", "run_link"]
    date_hierarchy = "computed_at"
    fields = [
        "computed_at",
        "window_start",
        "window_end",
        "window_months",
        "excluded_channels",
        "total",
        "per_table",
        "per_channel",
        "profiles_per_table",
        "linked_to_recipient",
        "duration_ms",
        "run_link",
    ]
    readonly_fields = fields

    @admin.display(description=_("run"))
    def run_link(self, obj):
        return run_link(obj.run_id)


@admin.register(BillingReport)
class BillingReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "computed_at", "sent_at", "sent_to", "resend_count", "last_error", "run_link"]
    actions = ["resend"]
    fields = [
        "period_start",
        "period_end",
        "computed_at",
        "language",
        "sent_at",
        "sent_to",
        "resend_count",
        "last_error",
        "run_link",
        "report",
    ]
    readonly_fields = fields

    @admin.display(description=_("run"))
    def run_link(self, obj):
        return run_link(obj.run_id)

    @admin.display(description=_("report"))
    def report(self, obj):
        with override(obj.language):
            # Rendered by the email template, whose auto-escaping already made it safe.
            return mark_safe(render_to_string("emails/reporting-billing-body.html", billing.context_for(obj)))

    def has_resend_permission(self, request):
        return request.user.has_perm("reporting.resend_billingreport")

    @admin.action(permissions=["resend"], description=_("Resend to the billing operator"))
    def resend(self, request, queryset):
        for report in queryset.order_by("period_start"):  # a handful of monthly reports
            try:
                to = billing.resend(report, request.user, now=timezone.now())
            except WorkflowError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return
            self.log_change(request, report, f"Resent to {to}")
            self.message_user(
                request, _("Billing report %(report)s resent to %(to)s.") % {"report": report, "to": to}
            )
