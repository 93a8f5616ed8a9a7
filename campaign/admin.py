from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import enumerations, models, targeting
from .forms import ConvertValuesForm, DeliveryForm, RecipientForm


@admin.register(models.Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "counts_for_billing", "is_social", "is_transactional_capable"]


@admin.register(models.Recipient)
class RecipientAdmin(admin.ModelAdmin):
    form = RecipientForm
    list_display = [
        "id",
        "email",
        "first_name",
        "last_name",
        "phone",
        "country",
        "company_type",
        "created_at",
    ]
    search_fields = ["email", "last_name"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for name, typed, value in form.replaced:
            label = form.fields[name].label
            messages.info(
                request,
                _("%(field)s: “%(typed)s” was replaced by its value “%(value)s”.")
                % {"field": label, "typed": typed, "value": value},
            )
        for enumeration, spelling in form.new_values:
            messages.info(
                request,
                _("“%(value)s” was added to the enumeration “%(enumeration)s”.")
                % {"value": spelling, "enumeration": enumeration.label},
            )


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


class EnumerationValueFormSet(BaseInlineFormSet):
    def clean(self):
        """Two values typed in one submission that would share a match key."""
        super().clean()
        ignore_case = self.instance.ignore_case
        seen = {}
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            text = form.cleaned_data.get("value", "")
            key = text.strip().lower() if ignore_case else text
            if key in seen:
                form.add_error("value", _("Same spelling as “%(other)s”.") % {"other": seen[key]})
            seen[key] = text


class EnumerationValueInline(admin.TabularInline):
    model = models.EnumerationValue
    formset = EnumerationValueFormSet
    fields = ["value", "label"]
    extra = 0


@admin.register(models.Enumeration)
class EnumerationAdmin(admin.ModelAdmin):
    """Administration › Platform › Enumerations: values (inline), flags, bound fields,
    and a link to the aliases."""

    # Short column titles: the list fits 1,280 px with its filters.
    list_display = [
        "name",
        "label",
        "kind",
        "cleansing",
        "ignores_case",
        "value_count",
        "alias_link",
        "bound_fields",
    ]
    # No filter column: a platform has a few dozen enumerations, and the list fits 1,280 px.
    search_fields = ["name", "label"]
    fields = ["name", "label", "kind", "alias_cleansing", "ignore_case", "bound_fields", "alias_link"]
    readonly_fields = ["bound_fields", "alias_link"]
    inlines = [EnumerationValueInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                value_total=Count("values", distinct=True),
                alias_total=Count("aliases", distinct=True),
                untargeted_total=Count("aliases", filter=Q(aliases__value__isnull=True), distinct=True),
            )
        )

    @admin.display(description=_("values"), ordering="value_total")
    def value_count(self, obj):
        return obj.value_total

    @admin.display(description=_("cleansing"), boolean=True, ordering="alias_cleansing")
    def cleansing(self, obj):
        return obj.alias_cleansing

    @admin.display(description=_("ignores case"), boolean=True, ordering="ignore_case")
    def ignores_case(self, obj):
        return obj.ignore_case

    @admin.display(description=_("aliases"))
    def alias_link(self, obj):
        if obj.pk is None:
            return "-"
        url = reverse("admin:campaign_enumerationalias_changelist") + f"?enumeration__id__exact={obj.pk}"
        total = getattr(obj, "alias_total", None)
        untargeted = getattr(obj, "untargeted_total", None)
        if total is None:
            total = obj.aliases.count()
            untargeted = obj.aliases.without_target().count()
        return format_html(
            '<a href="{}">{}</a>',
            url,
            _("%(total)s aliases, %(untargeted)s without target")
            % {"total": total, "untargeted": untargeted},
        )

    @admin.display(description=_("bound fields"))
    def bound_fields(self, obj):
        labels = enumerations.fields_by_enumeration().get(obj.name, [])
        # A line break may come after each dot: "campaign.Recipient.company_type" is long.
        dot = mark_safe(".<wbr>")  # constant markup
        parts = ((format_html_join(dot, "{}", ((part,) for part in label.split("."))),) for label in labels)
        return format_html_join(", ", "{}", parts) or "-"


@admin.register(models.EnumerationValue)
class EnumerationValueAdmin(admin.ModelAdmin):
    list_display = ["value", "label", "enumeration", "alias_count"]
    list_filter = ["enumeration"]
    search_fields = ["value", "label"]
    list_select_related = ["enumeration"]
    actions = ["convert_into_aliases"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(alias_total=Count("aliases"))

    @admin.display(description=_("aliases"), ordering="alias_total")
    def alias_count(self, obj):
        return obj.alias_total

    def has_convert_permission(self, request):
        return request.user.has_perms(["campaign.delete_enumerationvalue", "campaign.add_enumerationalias"])

    @admin.action(description=_("Convert values into aliases…"), permissions=["convert"])
    def convert_into_aliases(self, request, queryset):
        selected = list(queryset.select_related("enumeration"))
        enumerations_selected = {value.enumeration_id for value in selected}
        if len(enumerations_selected) != 1:
            self.message_user(request, _("Select values of one enumeration."), messages.ERROR)
            return None
        enumeration = selected[0].enumeration
        form = ConvertValuesForm(
            request.POST if "apply" in request.POST else None, enumeration=enumeration, selected=selected
        )
        if "apply" in request.POST and form.is_valid():
            target = form.cleaned_data["target"]
            converted = enumerations.convert_values_into_aliases(selected, target)
            self.message_user(
                request,
                ngettext(
                    "%(count)d value converted into an alias.",
                    "%(count)d values converted into aliases.",
                    converted,
                )
                % {"count": converted},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Convert values into aliases"),
            "opts": self.model._meta,
            "enumeration": enumeration,
            "selected": selected,
            "form": form,
            "action": "convert_into_aliases",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "campaign/convert_values.html", context)


class TargetFilter(admin.SimpleListFilter):
    title = _("target")
    parameter_name = "target"

    def lookups(self, request, model_admin):
        return [("none", _("No target yet")), ("set", _("With a target"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.without_target()
        if self.value() == "set":
            return queryset.with_target()
        return queryset


@admin.register(models.EnumerationAlias)
class EnumerationAliasAdmin(admin.ModelAdmin):
    """Aliases, with their target editable in the list (values of the alias's own
    enumeration only)."""

    # Short columns: the list fits 1,280 px with its filters (last found: on the alias's page).
    list_display = ["alias", "enumeration", "value", "hits", "rows_now"]
    list_editable = ["value"]
    list_filter = [TargetFilter, "enumeration", "source"]
    search_fields = ["alias"]
    list_select_related = ["enumeration", "value"]
    list_per_page = 50
    fields = ["enumeration", "alias", "value", "hits", "rows_found", "rows_pending", "last_seen_at", "source"]
    readonly_fields = ["hits", "rows_found", "rows_pending", "last_seen_at", "source"]
    show_full_result_count = False

    @admin.display(description=_("rows"), ordering="rows_pending")
    def rows_now(self, obj):
        """Rows holding it after the last cleansing (a short column title)."""
        return obj.rows_pending

    def get_changelist_form(self, request, **kwargs):
        base = super().get_changelist_form(request, **kwargs)
        choices = {}  # per enumeration, shared by the rows of the page: one query each

        class TargetForm(base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                enumeration_id = self.instance.enumeration_id
                field = self.fields["value"]
                field.queryset = models.EnumerationValue.objects.filter(enumeration_id=enumeration_id)
                if enumeration_id not in choices:
                    choices[enumeration_id] = [("", field.empty_label)] + [
                        (value.pk, str(value)) for value in field.queryset
                    ]
                field.choices = choices[enumeration_id]
                # A plain select in the list: no add / change / delete / view buttons per row.
                field.widget.can_add_related = field.widget.can_change_related = False
                field.widget.can_delete_related = field.widget.can_view_related = False

        return TargetForm

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and "value" in form.base_fields:
            form.base_fields["value"].queryset = obj.enumeration.values.all()
        return form


@admin.register(models.Quarantine)
class QuarantineAdmin(admin.ModelAdmin):
    list_display = ["address", "channel", "status", "error_count", "last_error_at", "last_error_reason"]
    list_filter = ["status", "channel", "last_error_reason"]
    search_fields = ["address"]
    show_full_result_count = False
