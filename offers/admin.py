"""Admin of the offer catalog.

Design screens (Offers, Categories, Offer spaces) show the design environments only and
follow the model permissions of offer managers; the approval page and its actions are
extra URLs of the offer admin (views.approval_page, views.decide). The live screens
(Live offers, Live categories, Live offer spaces) are read-only views of the same
tables restricted to live environments, shown to whoever holds `offers.view_live_offer`
(delivery operators, offer managers): nobody edits live but offerMgt. Propositions are
listed read-only with filters that use their indexes (date, status, channel, space).
"""

from datetime import timedelta

from django.contrib import admin
from django.db import models
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import approvals, views
from .choices import APPROVAL_COLORS, OFFER_STATUS_COLORS, EnvironmentKind, OfferStatus
from .forms import CategoryForm, ContentFormSet, OfferForm, OfferSpaceForm
from .models import (
    Category,
    Environment,
    LiveCategory,
    LiveOffer,
    LiveOfferSpace,
    Offer,
    OfferAudit,
    OfferContent,
    OfferSpace,
    Proposition,
)

VIEW_LIVE = "offers.view_live_offer"


def badge(color, text, title=""):
    return format_html(
        '<span class="offers-badge" style="background:{}" title="{}">{}</span>', color, title or text, text
    )


def _named(field, attribute="name", ordering=None, description=None):
    """A list column showing a related row's name. Unlike a foreign-key column, which
    the admin never wraps, a long name wraps and the list keeps within 1,280 px."""

    def column(self, obj):
        related = getattr(obj, field)
        return getattr(related, attribute) if related is not None else "-"

    column.short_description = description or obj_field_name(field)
    column.admin_order_field = ordering or f"{field}__{attribute}"
    return column


def _when(moment):
    """A date and time for a list column: the time goes under the date if space is short."""
    if not moment:
        return "-"
    local = timezone.localtime(moment)
    return format_html(
        '<span class="offers-when">{} <span>{}</span></span>',
        date_format(local, "Y-m-d"),
        date_format(local, "H:i"),
    )


@admin.display(description=_("validity"))
def validity(obj):
    """From – until on one wrappable line (two date columns would not fit 1,280 px)."""
    if not obj.valid_from and not obj.valid_until:
        return "-"
    return format_html("{} →<br>{}", _when(obj.valid_from), _when(obj.valid_until))


@admin.display(description=_("deployed at"), ordering="deployed_at")
def deployed(obj):
    return _when(obj.deployed_at)


@admin.display(description=_("weight"), ordering="weight")
def weight(obj):
    """The column's short title ("weight multiplier" would widen the list)."""
    return obj.weight


def obj_field_name(field):
    return {
        "category": _("category"),
        "parent": _("parent category"),
        "space": _("offer space"),
        "delivery": _("delivery"),
        "channel": _("channel"),
    }[field]


def _pk(object_id):
    """Admin URLs carry the pk as a path; a non-number is a 404, not a 500."""
    if not str(object_id).isdigit():
        raise Http404
    return int(object_id)


def environment_filter(kind):
    """A list filter offering the environments of one kind (design lists, live lists)."""

    class EnvironmentFilter(admin.SimpleListFilter):
        title = _("environment")
        parameter_name = "environment"

        def lookups(self, request, model_admin):
            return [
                (str(pk), name)
                for pk, name in Environment.objects.filter(kind=kind).values_list("pk", "name")
            ]

        def queryset(self, request, queryset):
            value = self.value()
            if value is None:
                return queryset
            return queryset.filter(environment_id=int(value)) if value.isdigit() else queryset.none()

    return EnvironmentFilter


DesignEnvironmentFilter = environment_filter(EnvironmentKind.DESIGN)
LiveEnvironmentFilter = environment_filter(EnvironmentKind.LIVE)


# --- Environments -------------------------------------------------------------------------


@admin.register(Environment)
class EnvironmentAdmin(admin.ModelAdmin):
    """Administrators create a design environment; its live partner comes with it."""

    list_display = ["name", "kind", "profile_table", "live"]
    list_filter = ["kind", "profile_table"]
    fields = ["name", "profile_table"]

    def get_readonly_fields(self, request, obj=None):
        return ["profile_table"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.kind = EnvironmentKind.DESIGN
            obj.live = Environment.objects.create(
                name=f"{obj.name} (live)"[:100], kind=EnvironmentKind.LIVE, profile_table=obj.profile_table
            )
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # an environment holds a catalog and its live copy: never deleted here


# --- Design --------------------------------------------------------------------------------


class DesignAdmin(admin.ModelAdmin):
    """The design environments' rows only."""

    class Media:
        css = {"all": ["offers/offers.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).filter(environment__kind=EnvironmentKind.DESIGN)

    def get_readonly_fields(self, request, obj=None):
        return ["environment"] if obj is not None else []


@admin.register(Category)
class CategoryAdmin(DesignAdmin):
    form = CategoryForm
    list_display = ["name", "parent_name", "enabled", validity, weight, "themes"]
    parent_name = _named("parent")
    list_filter = [DesignEnvironmentFilter, "enabled"]
    list_select_related = ["parent", "environment"]
    search_fields = ["name"]
    ordering = ["environment", "parent__name", "name"]


@admin.register(OfferSpace)
class OfferSpaceAdmin(DesignAdmin):
    form = OfferSpaceForm
    list_display = ["name", "channel", "enabled", "environment"]
    list_filter = [DesignEnvironmentFilter, "channel", "enabled"]
    list_select_related = ["channel", "environment"]


class OfferContentInline(admin.StackedInline):
    model = OfferContent
    formset = ContentFormSet
    fields = ["space", "title", "text", "link"]
    extra = 0
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "space":
            kwargs["queryset"] = OfferSpace.objects.design().select_related("channel")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Offer)
class OfferAdmin(DesignAdmin):
    """Design offers. Saving an edit makes a new version and sends the approvals it
    concerns back to pending (offers.approvals.record_edit)."""

    form = OfferForm
    inlines = [OfferContentInline]
    list_display = ["code", "label", "category_name", "status_badge", "approvals_badges", "versions"]
    category_name = _named("category")
    list_filter = [DesignEnvironmentFilter, "status", "content_approval", "eligibility_approval"]
    list_select_related = ["category", "environment"]
    search_fields = ["code", "label"]
    change_form_template = "offers/offer_change_form.html"
    fields = [
        "environment",
        "category",
        "code",
        "label",
        "content",
        "weight",
        "valid_from",
        "valid_until",
        "target",
        "loaded_version",
    ]

    def get_queryset(self, request):
        copy = Offer.objects.filter(design_offer=OuterRef("pk"), deactivated_at__isnull=True)
        return super().get_queryset(request).annotate(live_copy_version=Subquery(copy.values("version")[:1]))

    def get_readonly_fields(self, request, obj=None):
        return ["environment", "code"] if obj is not None else []

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, offer):
        return badge(OFFER_STATUS_COLORS.get(offer.status, "#6c757d"), offer.get_status_display())

    @admin.display(description=_("approvals"))
    def approvals_badges(self, offer):
        """Content above eligibility: two badges that fit a narrow column."""
        content, eligibility = offer.get_content_approval_display(), offer.get_eligibility_approval_display()
        return format_html(
            '<span class="offers-approvals">{}<br>{}</span>',
            badge(
                APPROVAL_COLORS[offer.content_approval],
                content,
                gettext("Content approval: %(state)s") % {"state": content},
            ),
            badge(
                APPROVAL_COLORS[offer.eligibility_approval],
                eligibility,
                gettext("Eligibility approval: %(state)s") % {"state": eligibility},
            ),
        )

    @admin.display(description=_("version (live)"), ordering="version")
    def versions(self, offer):
        live = offer.live_copy_version
        return f"{offer.version} ({live})" if live else str(offer.version)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/approval/", wrap(self.approval_view), name="offers_offer_approval"),
            path("<path:object_id>/decide/", wrap(self.decide_view), name="offers_offer_decide"),
            *super().get_urls(),
        ]

    def approval_view(self, request, object_id):
        return views.approval_page(request, self, _pk(object_id))

    def decide_view(self, request, object_id):
        return views.decide(request, self, _pk(object_id))

    def save_model(self, request, obj, form, change):
        if change:
            # Only what the form edits: approvals and status are changed by their own
            # compare-and-set actions, never overwritten by a form opened earlier.
            editable = [name for name in form.changed_data if name in OfferForm.Meta.fields]
            if editable:
                obj.save(update_fields=[*editable, "updated_at"])
            return
        obj.status = OfferStatus.EDITION
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        now = timezone.now()
        if not change:
            approvals.record_creation(form.instance, request.user, now)
            return
        changed = [name for name in form.changed_data if name in OfferForm.Meta.fields]
        contents_changed = any(formset.has_changed() for formset in formsets)
        approvals.record_edit(
            form.instance.pk,
            request.user,
            now,
            content_changed=contents_changed or any(name in approvals.CONTENT_FIELDS for name in changed),
            eligibility_changed=any(name in approvals.ELIGIBILITY_FIELDS for name in changed),
            changed_fields=changed + (["contents"] if contents_changed else []),
        )

    def delete_model(self, request, obj):
        approvals.record_deletion(obj, request.user, timezone.now())
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        now = timezone.now()
        for offer in queryset:  # the page's selection: a handful of rows
            approvals.record_deletion(offer, request.user, now)
        super().delete_queryset(request, queryset)


@admin.register(OfferAudit)
class OfferAuditAdmin(admin.ModelAdmin):
    """The audit trail of every offer (each offer's approval page shows its own)."""

    list_display = ["at", "offer_code", "action", "version", "by", "detail", "comment"]
    list_filter = ["action"]
    search_fields = ["=offer_code"]
    list_select_related = ["by"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # cleanup purges the trail past its retention


# --- Live (read-only) -------------------------------------------------------------------------


class LiveAdmin(admin.ModelAdmin):
    """Read-only rows of the live environments, for whoever may see live offers."""

    class Media:
        css = {"all": ["offers/offers.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).filter(environment__kind=EnvironmentKind.LIVE)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_LIVE)

    def has_module_permission(self, request):
        return request.user.has_perm(VIEW_LIVE)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LiveContentInline(admin.StackedInline):
    model = OfferContent
    fields = ["space", "title", "text", "link"]
    readonly_fields = fields
    extra = 0

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(VIEW_LIVE)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LiveOffer)
class LiveOfferAdmin(LiveAdmin):
    category_name = _named("category")
    list_display = ["code", "label", "category_name", "active_badge", "version", "weight", validity, deployed]
    list_filter = [LiveEnvironmentFilter, "status"]
    list_select_related = ["category", "environment"]
    search_fields = ["code", "label"]
    inlines = [LiveContentInline]
    change_form_template = "offers/live_offer_change_form.html"
    fields = [
        "environment",
        "category",
        "code",
        "label",
        "content",
        "weight",
        "valid_from",
        "valid_until",
        "target",
        "version",
        "approved_by",
        "approved_at",
        "deployed_at",
        "deactivated_at",
    ]

    @admin.display(description=_("status"), ordering="status")
    def active_badge(self, offer):
        return badge(OFFER_STATUS_COLORS.get(offer.status, "#6c757d"), offer.get_status_display())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        offer = self.get_queryset(request).filter(pk=_pk(object_id)).first()
        extra = views.live_offer_context(offer) if offer is not None else {}
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})


@admin.register(LiveCategory)
class LiveCategoryAdmin(LiveAdmin):
    parent_name = _named("parent")
    list_display = ["name", "parent_name", "enabled", validity, weight, "themes"]
    list_filter = [LiveEnvironmentFilter, "enabled"]
    list_select_related = ["parent", "environment"]
    search_fields = ["name"]
    ordering = ["environment", "parent__name", "name"]
    fields = [
        "environment",
        "parent",
        "name",
        "enabled",
        "valid_from",
        "valid_until",
        "weight",
        "themes",
        "target",
        "deployed_at",
    ]


@admin.register(LiveOfferSpace)
class LiveOfferSpaceAdmin(LiveAdmin):
    list_display = ["name", "channel", "enabled", "environment", deployed]
    list_filter = [LiveEnvironmentFilter, "channel", "enabled"]
    list_select_related = ["channel", "environment"]
    fields = ["environment", "name", "channel", "enabled", "deployed_at"]


# --- Propositions -------------------------------------------------------------------------


class ProposedWithinFilter(admin.SimpleListFilter):
    """By proposition date (the purge and cube index), not Django's date hierarchy,
    which reads the whole table to list its years."""

    title = _("proposed")
    parameter_name = "proposed"
    RANGES = {"1d": 1, "7d": 7, "30d": 30, "365d": 365}

    def lookups(self, request, model_admin):
        return [
            ("1d", _("Last 24 hours")),
            ("7d", _("Last 7 days")),
            ("30d", _("Last 30 days")),
            ("365d", _("Last 12 months")),
        ]

    def queryset(self, request, queryset):
        days = self.RANGES.get(self.value())
        if days is None:
            return queryset
        return queryset.filter(proposed_at__gte=timezone.now() - timedelta(days=days))


class LiveSpaceFilter(admin.SimpleListFilter):
    """Live offer spaces only (a proposition is made in a live space)."""

    title = _("offer space")
    parameter_name = "space"

    def lookups(self, request, model_admin):
        spaces = OfferSpace.objects.live().select_related("environment").order_by("name")
        return [(str(space.pk), f"{space.name} ({space.environment})") for space in spaces]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(space_id=int(value))


class InDeliveryFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "in_delivery"

    def lookups(self, request, model_admin):
        return [("yes", _("Made in a delivery")), ("no", _("Outside deliveries"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(delivery__isnull=False)
        if self.value() == "no":
            return queryset.filter(delivery__isnull=True)
        return queryset


@admin.register(Proposition)
class PropositionAdmin(admin.ModelAdmin):
    """Propositions of live offers, newest first; `?offer__id__exact=<id>` and
    `?delivery__id__exact=<id>` narrow them to one live offer or one delivery (the live
    offer page links here)."""

    space_name = _named("space", description=_("space"))  # a short title: the list is narrow
    channel_name = _named("channel", "label")
    delivery_label = _named("delivery", "label")
    # Weight and the last status change are on each proposition's page: with the
    # explorer and the filters beside it, more columns would not fit 1,280 px.
    list_display = [
        "offer_code",
        "space_name",
        "channel_name",
        "delivery_label",
        "profile",
        "status",
        "proposed",
    ]
    list_filter = [
        ProposedWithinFilter,
        "status",
        ("channel", admin.RelatedFieldListFilter),
        LiveSpaceFilter,
        InDeliveryFilter,
        "profile_table",
    ]
    list_select_related = ["offer", "space__channel", "channel", "delivery"]
    search_fields = ["=offer__code", "=profile_id"]
    search_help_text = _("An offer code or a profile id, exactly.")
    show_full_result_count = False
    raw_id_fields = ["offer", "space", "delivery", "channel"]

    @admin.display(description=_("offer"), ordering="offer__code")
    def offer_code(self, proposition):
        return proposition.offer.code

    @admin.display(description=_("profile"))
    def profile(self, proposition):
        return f"{proposition.get_profile_table_display()} {proposition.profile_id}"

    @admin.display(description=_("proposed"), ordering="proposed_at")
    def proposed(self, proposition):
        return _when(proposition.proposed_at)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # cleanup purges them past their retention, set-based


def live_offer_url(offer):
    return reverse("admin:offers_liveoffer_change", args=[offer.pk])
