"""Read-only admin lists of the tracking tables: they are written by the workflow only."""

from django.contrib import admin

from .models import DeliveryIndicators, EventStatistic, TrackingLog, TrackingStatistic, UserAgent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TrackingLog)
class TrackingLogAdmin(ReadOnlyAdmin):
    # Narrow enough for 1,280 px in French too: the URL and the profile table are on the row page.
    list_display = ("tracked_at", "delivery", "profile_id", "kind", "user_agent")
    list_filter = ("kind",)
    list_select_related = ("delivery", "url", "user_agent")
    date_hierarchy = "tracked_at"
    show_full_result_count = False  # the largest table but one: no COUNT(*) per page
    raw_id_fields = ("delivery", "url", "user_agent", "delivery_log")


@admin.register(TrackingStatistic)
class TrackingStatisticAdmin(ReadOnlyAdmin):
    list_display = ("bucket", "delivery", "url", "kind", "hits")
    list_filter = ("kind",)
    list_select_related = ("delivery", "url")
    show_full_result_count = False


@admin.register(DeliveryIndicators)
class DeliveryIndicatorsAdmin(ReadOnlyAdmin):
    list_display = (
        "delivery",
        "sent",
        "recipient_opens",
        "recipient_clicks",
        "total_clicks",
        "opt_outs",
        "reactivity",
        "computed_at",
    )
    list_select_related = ("delivery",)


@admin.register(EventStatistic)
class EventStatisticAdmin(ReadOnlyAdmin):
    list_display = ("day", "event_type", "channel", "received", "processed", "errors", "ignored", "pending")
    list_filter = ("channel", "event_type")
    list_select_related = ("event_type", "channel")
    date_hierarchy = "day"


@admin.register(UserAgent)
class UserAgentAdmin(ReadOnlyAdmin):
    list_display = ("browser", "browser_version", "os", "os_version", "device", "is_robot", "first_seen_at")
    list_filter = ("is_robot", "browser", "os")
    search_fields = ("text",)
