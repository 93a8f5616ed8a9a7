"""Forecasting in the admin: the typology rules administrators edit (pressure and
capacity), and read-only lists of the forecasts, forecast logs and exclusions the
workflow writes."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import CapacityRule, Forecast, ForecastExclusion, ForecastLog, PressureRule


@admin.register(PressureRule)
class PressureRuleAdmin(admin.ModelAdmin):
    list_display = ["label", "active", "scope", "max_messages", "period_days", "updated_at"]
    list_select_related = ["channel"]
    list_filter = ["active", "channel"]
    search_fields = ["label"]
    fields = ["label", "active", "channel", "max_messages", "period_days"]

    @admin.display(description=_("channel"), ordering="channel")
    def scope(self, rule):
        return rule.channel or _("All channels")


@admin.register(CapacityRule)
class CapacityRuleAdmin(admin.ModelAdmin):
    list_display = ["label", "active", "channel", "daily_quantity", "recurrence", "valid_from", "valid_until"]
    list_select_related = ["channel"]
    list_filter = ["active", "channel", "recurrence"]
    search_fields = ["label"]
    fields = ["label", "active", "channel", "daily_quantity", "recurrence", "valid_from", "valid_until"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows the forecasting workflow writes: nobody adds, changes or deletes them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Forecast)
class ForecastAdmin(ReadOnlyAdmin):
    # The build time and horizon are on each forecast's page: the list fits 1,280 px in French.
    list_display = ["computed_at", "status", "deliveries", "logs", "excluded", "overruns", "run_link"]
    list_filter = ["status"]
    fields = [
        "computed_at",
        "status",
        "horizon_end",
        "deliveries",
        "logs",
        "excluded",
        "overruns",
        "duration",
        "run_link",
    ]

    @admin.display(description=_("run"))
    def run_link(self, forecast):
        if not forecast.run_id:
            return "-"
        url = reverse("admin:workflows_workflowrun_change", args=[forecast.run_id])
        return format_html('<a href="{}">#{}</a>', url, forecast.run_id)


class CurrentForecastAdmin(ReadOnlyAdmin):
    """Rows of the current forecast (a build in progress or being deleted is left out)."""

    list_select_related = ["delivery"]
    raw_id_fields = ["delivery"]
    show_full_result_count = False
    search_fields = ["=profile_id"]

    def get_queryset(self, request):
        current = Forecast.objects.current().values("pk")
        return super().get_queryset(request).filter(forecast_id__in=current)


@admin.register(ForecastLog)
class ForecastLogAdmin(CurrentForecastAdmin):
    list_display = ["id", "delivery", "profile_id", "planned_at", "weight"]
    fields = list_display


@admin.register(ForecastExclusion)
class ForecastExclusionAdmin(CurrentForecastAdmin):
    list_display = ["id", "delivery", "profile_id", "rule_number", "planned_at"]
    fields = list_display

    # The rule's number, not the rule: a rule deleted since the forecast leaves its id.
    @admin.display(description=_("pressure rule"))
    def rule_number(self, exclusion):
        return f"#{exclusion.rule_id}"
