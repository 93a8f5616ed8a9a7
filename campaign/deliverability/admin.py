"""Non deliverables management screens: the rules (ruleset rules read-only, custom rules
editable), the delivery log qualification list (qualified by operators), the inbound
bounces (read-only). The quarantine list is the core's (campaign.admin)."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from campaign.csv_export import csv_response

from . import forms
from .choices import QualificationStatus, RuleOrigin
from .models import DomainRule, InboundBounce, LogQualification, MxRule, QualificationRule


class RetiredFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return [("yes", _("In force")), ("retired", _("Retired by the ruleset"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(retired_at__isnull=True)
        if self.value() == "retired":
            return queryset.filter(retired_at__isnull=False)
        return queryset


class ListsFit(admin.ModelAdmin):
    """Lists whose long texts wrap (static/deliverability/admin.css)."""

    class Media:
        css = {"all": ["deliverability/admin.css"]}


def short_time(value):
    """The platform's short date and time of the operator's language."""
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "-"


@admin.display(description=_("qualification"))
def qualification(obj):
    if not obj.failure_type:
        return "-"
    return f"{obj.get_failure_type_display()} · {obj.get_failure_reason_display()}"


class RuleAdmin(ListsFit):
    """Ruleset rules are read-only (the next download would overwrite an edit): to
    change one, add a custom rule, which wins over it. Custom rules are the operators'."""

    readonly_fields = ["key", "origin", "retired_at", "created_at", "updated_at"]
    list_filter = ["origin", RetiredFilter]
    list_per_page = 100

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.origin == RuleOrigin.FEED:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.origin == RuleOrigin.FEED:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # ruleset rules must not go with custom ones
        return actions

    def save_model(self, request, obj, form, change):
        now = timezone.now()
        if not change:
            obj.origin, obj.key, obj.created_at = RuleOrigin.CUSTOM, "", now
        obj.updated_at = now
        super().save_model(request, obj, form, change)


@admin.register(QualificationRule)
class QualificationRuleAdmin(RuleAdmin):
    form = forms.QualificationRuleForm
    list_display = ["pattern", "match_kind", qualification, "priority", "origin", "retired_at"]
    list_filter = ["origin", RetiredFilter, "failure_type", "failure_reason", "match_kind"]
    search_fields = ["pattern", "key", "description"]
    fields = [
        "pattern",
        "match_kind",
        "failure_type",
        "failure_reason",
        "priority",
        "description",
        *RuleAdmin.readonly_fields,
    ]


@admin.register(DomainRule)
class DomainRuleAdmin(RuleAdmin):
    list_display = [
        "domain",
        "dkim",
        "domainkeys",
        "sender_id",
        "smime",
        "relay_host",
        "relay_port",
        "origin",
    ]
    search_fields = ["domain", "key"]


@admin.register(MxRule)
class MxRuleAdmin(RuleAdmin):
    list_display = ["mx_mask", "rank", "limits", "shared", "tls", "origin"]

    @admin.display(description=_("connections × messages per connection, messages per hour"))
    def limits(self, obj):
        return f"{obj.max_connections} × {obj.messages_per_connection}, {obj.messages_per_hour:,}/h"

    search_fields = ["mx_mask", "key"]


@admin.action(description=_("Keep (qualifies this text from now on)"), permissions=["change"])
def mark_keep(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, QualificationStatus.KEEP)


@admin.action(description=_("Ignore (never quarantines)"), permissions=["change"])
def mark_ignore(modeladmin, request, queryset):
    _set_status(modeladmin, request, queryset, QualificationStatus.IGNORE)


def _set_status(modeladmin, request, queryset, status):
    changed = queryset.exclude(status=status).update(status=status, updated_at=timezone.now())
    modeladmin.message_user(
        request,
        ngettext("%(count)d entry changed.", "%(count)d entries changed.", changed) % {"count": changed},
        messages.SUCCESS,
    )


@admin.action(description=_("Export as CSV"))
def export_qualifications(modeladmin, request, queryset):
    header = [
        "text",
        "first_text",
        "failure_type",
        "failure_reason",
        "status",
        "occurrences",
        "first_seen",
        "last_seen",
    ]
    rows = (
        [
            entry.text,
            entry.first_text,
            entry.failure_type,
            entry.failure_reason,
            entry.status,
            entry.occurrences,
            timezone.localtime(entry.first_seen_at).isoformat(),
            timezone.localtime(entry.last_seen_at).isoformat(),
        ]
        for entry in queryset.order_by("-last_seen_at", "-id").iterator(chunk_size=500)
    )
    return csv_response("delivery-log-qualification.csv", header, rows)


@admin.register(LogQualification)
class LogQualificationAdmin(ListsFit):
    """The delivery log qualification list: texts no rule matched, for an operator to
    qualify (type, reason) and keep, or ignore."""

    list_display = ["short_text", "occurrences", qualification, "status", "last_seen"]
    list_filter = ["status", "failure_type", "failure_reason"]
    search_fields = ["text", "first_text"]
    fields = [
        "text",
        "first_text",
        "failure_type",
        "failure_reason",
        "status",
        "occurrences",
        "first_seen_at",
        "last_seen_at",
        "updated_at",
    ]
    readonly_fields = ["text", "first_text", "first_seen_at", "last_seen_at", "updated_at"]
    actions = [mark_keep, mark_ignore, export_qualifications]
    show_full_result_count = False

    @admin.display(description=_("last seen"), ordering="last_seen_at")
    def last_seen(self, obj):
        return short_time(obj.last_seen_at)

    @admin.display(description=_("text"), ordering="text")
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 120 else obj.text[:119] + "…"

    def has_add_permission(self, request):
        return False  # entries come from bounces no rule matched

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.action(description=_("Export as CSV"))
def export_bounces(modeladmin, request, queryset):
    header = [
        "processed",
        "kind",
        "recipient",
        "status_code",
        "failure_type",
        "failure_reason",
        "delivery_log",
        "log_match",
        "address_status_after",
        "subject",
        "diagnostic",
    ]
    rows = (
        [
            timezone.localtime(bounce.received_at).isoformat(),
            bounce.kind,
            bounce.recipient,
            bounce.status_code,
            bounce.failure_type,
            bounce.failure_reason,
            bounce.log_id or "",
            bounce.log_match,
            bounce.quarantine_status,
            bounce.subject,
            bounce.diagnostic,
        ]
        for bounce in queryset.order_by("-received_at", "-id").iterator(chunk_size=500)
    )
    return csv_response("inbound-bounces.csv", header, rows)


@admin.register(InboundBounce)
class InboundBounceAdmin(ListsFit):
    list_display = [
        "processed",
        "kind",
        "recipient",
        qualification,
        "delivery_log",
        "quarantine_status",
    ]
    list_filter = ["kind", "failure_type", "failure_reason", "log_match"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "received_at"
    actions = [export_bounces]
    show_full_result_count = False

    @admin.display(description=_("processed"), ordering="received_at")
    def processed(self, obj):
        return short_time(obj.received_at)

    @admin.display(description=_("delivery log"), ordering="log_id")
    def delivery_log(self, obj):
        return f"#{obj.log_id} ({obj.get_log_match_display()})" if obj.log_id else obj.get_log_match_display()

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
