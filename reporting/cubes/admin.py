"""Read-only admin lists: the archived Message Center events and the aggregate builds."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

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
    # Narrow columns: the list fits 1,280 px; the row's page has every field.
    list_display = ["id", "event_type", "channel", "status", "address", "created_at", "processing_seconds"]
    list_filter = ["status", "channel", "event_type"]
    list_select_related = ["event_type", "channel"]
    search_fields = ["=id", "=event_id", "email", "mobile_phone"]
    # Millions of rows: no full count on every page.
    show_full_result_count = False

    @admin.display(description=_("address"))
    def address(self, event):
        return event.email or event.mobile_phone

    @admin.display(description=_("processing (s)"))
    def processing_seconds(self, event):
        if event.processed_at is None:
            return "—"
        return f"{(event.processed_at - event.created_at).total_seconds():.1f}"


@admin.register(AggregateBuild)
class AggregateBuildAdmin(ReadOnlyAdmin):
    list_display = ["cube", "built_at", "facts", "rows", "seconds", "run_id"]
    list_filter = ["cube"]
