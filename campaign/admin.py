from django.contrib import admin
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import models, targeting
from .forms import DeliveryForm


@admin.register(models.Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "counts_for_billing", "is_social", "is_transactional_capable"]


@admin.register(models.Recipient)
class RecipientAdmin(admin.ModelAdmin):
    list_display = ["id", "email", "first_name", "last_name", "phone", "created_at"]
    search_fields = ["email", "last_name"]
    show_full_result_count = False


@admin.register(models.ExternalProfile)
class ExternalProfileAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "external_id", "recipient", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["recipient"]
    show_full_result_count = False


@admin.register(models.RecipientList)
class RecipientListAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    raw_id_fields = ["recipients"]


@admin.register(models.Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    form = DeliveryForm
    list_display = ["label", "channel", "profile_table", "state", "scheduling_mode", "planned_at", "deleted"]
    list_filter = ["channel", "state", "scheduling_mode", "deleted"]
    search_fields = ["label"]
    readonly_fields = ["target_estimate"]
    fieldsets = [
        (None, {"fields": ["label", "channel", "profile_table", "state", "created_at"]}),
        (_("Scheduling"), {"fields": ["scheduling_mode", "planned_at", "started_at", "valid_until"]}),
        (_("Target"), {"fields": ["target_list", "target_filter", "target_estimate", "weight"]}),
        (_("Deletion"), {"fields": ["deleted", "deleted_at"]}),
    ]

    @admin.display(description=_("estimated target"))
    def target_estimate(self, obj):
        """How many recipients the saved target selects (counted when the page opens)."""
        if obj is None or obj.pk is None:
            return _("Save the delivery to see how many recipients its target selects.")
        try:
            selected = targeting.delivery_recipients(obj)
            if selected is None:
                return _("No target: choose a list, a filter or both.")
            count = selected.count()
        except ValidationError as exc:
            return _("The saved filter is not valid: %(reason)s") % {"reason": " ".join(exc.messages)}
        return ngettext(
            "%(count)s recipient (saved target)", "%(count)s recipients (saved target)", count
        ) % {"count": intcomma(count)}

    def has_delete_permission(self, request, obj=None):
        # Deliveries are marked deleted and purged by the cleanup workflow with their
        # logs, set-based; a Python-side cascade over millions of logs is not allowed.
        return False


@admin.register(models.DeliveryLog)
class DeliveryLogAdmin(admin.ModelAdmin):
    # The profile in one column ("recipient #12"): the list fits 1,280 px in French too.
    list_display = ["id", "delivery", "profile", "status", "failure_type", "failure_reason", "event_at"]
    list_filter = ["status", "failure_type"]
    raw_id_fields = ["delivery"]
    show_full_result_count = False

    @admin.display(description=_("profile"), ordering="profile_id")
    def profile(self, log):
        return f"{log.get_profile_table_display()} #{log.profile_id}"


@admin.register(models.Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "event_type", "channel", "status", "email", "created_at", "processed_at"]
    list_filter = ["status", "channel"]
    show_full_result_count = False


admin.site.register(models.EventType)
admin.site.register(models.TrackingUrl)


class EnumerationValueInline(admin.TabularInline):
    model = models.EnumerationValue
    extra = 0


@admin.register(models.Enumeration)
class EnumerationAdmin(admin.ModelAdmin):
    list_display = ["name", "label"]
    inlines = [EnumerationValueInline]


@admin.register(models.EnumerationAlias)
class EnumerationAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "value", "hits"]


@admin.register(models.Quarantine)
class QuarantineAdmin(admin.ModelAdmin):
    list_display = ["address", "channel", "status", "error_count", "last_error_at", "last_error_reason"]
    list_filter = ["status", "channel", "last_error_reason"]
    search_fields = ["address"]
    show_full_result_count = False
