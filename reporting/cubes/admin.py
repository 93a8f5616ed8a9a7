"""Read-only admin lists: the archived Message Center events and the aggregate builds."""

from django.contrib import admin

from .models import AggregateBuild, ArchivedEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the intake and the workflows only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArchivedEvent)
class ArchivedEventAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "event_id",
        "event_type",
        "channel",
        "status",
        "email",
        "mobile_phone",
        "created_at",
        "processed_at",
    ]
    list_filter = ["status", "channel", "event_type"]
    list_select_related = ["event_type", "channel"]
    search_fields = ["=id", "=event_id", "email", "mobile_phone"]
    # Millions of rows: no full count on every page.
    show_full_result_count = False


@admin.register(AggregateBuild)
class AggregateBuildAdmin(ReadOnlyAdmin):
    list_display = ["cube", "built_at", "facts", "rows", "seconds", "run_id"]
    list_filter = ["cube"]
