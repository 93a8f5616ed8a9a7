from django.contrib import admin

from . import models

admin.site.register(models.Environment)
admin.site.register(models.Category)
admin.site.register(models.OfferSpace)


@admin.register(models.Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "environment", "category", "status", "approved_at"]
    list_filter = ["environment", "status"]


@admin.register(models.Proposition)
class PropositionAdmin(admin.ModelAdmin):
    list_display = ["id", "offer", "profile_table", "profile_id", "status", "proposed_at"]
    list_filter = ["status"]
    raw_id_fields = ["offer", "delivery", "space"]
    show_full_result_count = False
