"""Forms of the core's admin screens: Purge data (retention per declared data class,
how cleanup runs), Settings (every app's declared settings), the delivery's target, the
fields an enumeration governs (the recipient form) and "Convert values into aliases"."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.db import transaction
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from workflows.plugins import SettingKind

from . import enumerations, targeting
from .choices import ProfileTable
from .enumerations import Outcome
from .models import (
    MAX_BATCH_SIZE,
    MAX_RETENTION_DAYS,
    MIN_BATCH_SIZE,
    Delivery,
    EnumerationValue,
    PurgeSettings,
    Recipient,
)
from .retention import declared as declared_data_classes

DAYS_ERRORS = {
    "min_value": _(
        "Enter a number of days of 1 or more: 0 would delete everything at every run. "
        "Leave the field empty to keep the data forever."
    ),
    "max_value": _(
        "At most %(limit_value)s days (100 years). Leave the field empty to keep the data forever."
    ),
    "invalid": _("Enter a whole number of days, or leave the field empty to keep the data forever."),
    "required": _("This data cannot be kept forever: enter a number of days."),
}


def days_field_name(data_class_key):
    return f"{data_class_key}_days"


class PurgeSettingsForm(forms.ModelForm):
    """Deployment wizard › Purge data: retention per declared data class (days, empty =
    keep forever), statistics, batch size."""

    class Meta:
        model = PurgeSettings
        fields = ["statistics_mode", "batch_size"]
        error_messages = {
            "batch_size": {
                "min_value": _("The batch size must be at least %(limit_value)s rows."),
                "max_value": _("The batch size must be at most %(limit_value)s rows."),
                "required": _("Enter a batch size (rows per transaction)."),
            },
        }

    def __init__(self, *args, retention=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.data_classes = declared_data_classes()
        names = []
        for key, data_class in self.data_classes.items():
            name = days_field_name(key)
            option = f" [{data_class.option}]" if data_class.option else ""
            self.fields[name] = forms.IntegerField(
                label=_("%(label)s (days)") % {"label": data_class.label},
                required=not data_class.allow_forever,
                min_value=1,
                max_value=MAX_RETENTION_DAYS,
                initial=retention.days(key) if retention is not None else data_class.default_days,
                help_text=f"{data_class.sentence % {'days': _('N days')}}{option}",
                error_messages=DAYS_ERRORS,
            )
            self.fields[name].widget.attrs.update(
                {"min": 1, "max": MAX_RETENTION_DAYS, "placeholder": _("keep forever")}
            )
            names.append(name)
        self.fields["batch_size"].widget.attrs.update({"min": MIN_BATCH_SIZE, "max": MAX_BATCH_SIZE})
        self.helper = FormHelper()
        self.helper.form_id = "purge-settings-form"
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Fieldset(_("Retention in days (empty = keep forever)"), *names),
            Fieldset(_("Run"), "statistics_mode", "batch_size"),
        )
        self.helper.add_input(Submit("save", _("Save"), css_class="default"))

    def retention_values(self):
        return {key: self.cleaned_data[days_field_name(key)] for key in self.data_classes}


def setting_field_name(full_key):
    return full_key.replace(".", "__")


def _field(setting, initial):
    common = {"label": setting.label, "help_text": setting.help_text, "initial": initial}
    if setting.kind == SettingKind.INTEGER:
        return forms.IntegerField(
            required=setting.required, min_value=setting.minimum, max_value=setting.maximum, **common
        )
    if setting.kind == SettingKind.BOOLEAN:
        return forms.BooleanField(required=False, **common)
    if setting.kind == SettingKind.CHOICE:
        return forms.ChoiceField(required=setting.required, choices=setting.choices, **common)
    if setting.kind == SettingKind.URL:
        return forms.URLField(required=setting.required, assume_scheme="https", **common)
    if setting.kind == SettingKind.EMAIL:
        return forms.EmailField(required=setting.required, **common)
    return forms.CharField(required=setting.required, max_length=500, **common)


class SettingsForm(forms.Form):
    """Administration › Platform › Settings: each installed app's declared settings,
    one fieldset per app."""

    def __init__(self, *args, groups=(), current=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = current or {}
        self.keys = {}
        fieldsets = []
        for title, settings in groups:  # [(app title, [(full key, Setting)])]
            names = []
            for full_key, setting in settings:
                name = setting_field_name(full_key)
                self.fields[name] = _field(setting, current.get(full_key, setting.default))
                self.keys[name] = full_key
                names.append(name)
            fieldsets.append(Fieldset(title, *names))
        self.helper = FormHelper()
        self.helper.form_id = "settings-form"
        self.helper.form_method = "post"
        self.helper.layout = Layout(*fieldsets)
        self.helper.add_input(Submit("save", _("Save"), css_class="default"))

    def changes(self):
        return {self.keys[name]: self.cleaned_data[name] for name in self.keys}


class DeliveryForm(forms.ModelForm):
    """The delivery's admin form: its target filter must be a valid saved filter
    (campaign.targeting), and a target selects recipients."""

    class Meta:
        model = Delivery
        fields = [
            "label",
            "channel",
            "profile_table",
            "state",
            "created_at",
            "scheduling_mode",
            "planned_at",
            "started_at",
            "valid_until",
            "target_list",
            "target_filter",
            "weight",
            "deleted",
            "deleted_at",
        ]

    def clean_target_filter(self):
        saved = self.cleaned_data.get("target_filter")
        if saved is not None:
            targeting.check(saved)
        return saved

    def clean(self):
        cleaned = super().clean()
        targeted = cleaned.get("target_list") is not None or cleaned.get("target_filter") is not None
        table = cleaned.get("profile_table")
        if targeted and table and table != ProfileTable.RECIPIENT:
            raise forms.ValidationError(
                _(
                    "A target list or filter selects recipients: set the target profile table to "
                    "Recipients, or remove the target."
                )
            )
        return cleaned


# --- Fields an enumeration governs ------------------------------------------------------

# Values offered as suggestions under a bound field (a longer list is still accepted).
SUGGESTED_VALUES = 500


class EnumerationInput(forms.TextInput):
    """A text input with the enumeration's values as suggestions (an HTML datalist)."""

    def __init__(self, suggestions=(), attrs=None):
        super().__init__(attrs)
        self.suggestions = list(suggestions)

    def list_id(self, name, attrs):
        return f"{(attrs or {}).get('id') or self.attrs.get('id') or 'id_' + name}-values"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["list"] = self.list_id(name, attrs)
        return context

    def render(self, name, value, attrs=None, renderer=None):
        options = format_html_join(
            "",
            '<option value="{}">{}</option>',
            ((value, label if label and label != value else "") for value, label in self.suggestions),
        )
        datalist = format_html('<datalist id="{}">{}</datalist>', self.list_id(name, attrs), options)
        return super().render(name, value, attrs, renderer) + datalist


def confirm_new_values_field():
    return forms.BooleanField(
        label=_("Add the new values typed above to their enumeration"),
        required=False,
        help_text=_("Needed once for a value that is not in an open enumeration yet."),
    )


class EnumeratedFieldsMixin:
    """For a ModelForm whose model has fields an enumeration governs (declared
    EnumerationBindings): a closed enumeration accepts its values only; an open one
    accepts a new value once the operator ticks `confirm_new_values` (it is added to the
    enumeration on save); an alias is replaced by its value at once. A field whose
    enumeration does not exist yet is free text. The form declares the confirmation
    field (`confirm_new_values = confirm_new_values_field()`), so the admin shows it."""

    confirm_field = "confirm_new_values"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.enumerated = {}
        self.new_values = []
        self.replaced = []
        for bound in enumerations.bound_fields(self._meta.model):
            field = self.fields.get(bound.field_name)
            if field is None or bound.enumeration is None:
                continue
            self.enumerated[bound.field_name] = bound.enumeration
            values = bound.enumeration.values.values_list("value", "label")[:SUGGESTED_VALUES]
            field.widget = EnumerationInput(values, attrs=field.widget.attrs)
            kind = bound.enumeration.get_kind_display()
            field.help_text = _("Enumeration “%(enumeration)s” (%(kind)s).") % {
                "enumeration": bound.enumeration.label,
                "kind": kind,
            }

    def clean(self):
        cleaned = super().clean()
        confirmed = cleaned.get(self.confirm_field, False)
        for name, enumeration in self.enumerated.items():
            if name not in cleaned:
                continue
            resolution = enumerations.resolve(enumeration, cleaned[name])
            if resolution.outcome in (Outcome.VALUE, Outcome.ALIAS):
                if resolution.value != cleaned[name]:
                    self.replaced.append((name, cleaned[name], resolution.value))
                cleaned[name] = resolution.value
            elif resolution.outcome == Outcome.NEW and not enumeration.is_open:
                self.add_error(
                    name,
                    _("“%(text)s” is not a value of the closed enumeration “%(enumeration)s”.")
                    % {"text": resolution.text, "enumeration": enumeration.label},
                )
            elif resolution.outcome == Outcome.NEW and not confirmed:
                self.add_error(
                    name,
                    _(
                        "“%(text)s” is not a value of “%(enumeration)s” yet: tick “Add the new values” "
                        "below to add it, or correct it."
                    )
                    % {"text": resolution.text, "enumeration": enumeration.label},
                )
            elif resolution.outcome == Outcome.NEW:
                spelling = resolution.text.strip() if enumeration.ignore_case else resolution.text
                self.new_values.append((enumeration, spelling))
                cleaned[name] = spelling
        return cleaned

    def save(self, commit=True):
        with transaction.atomic():
            for enumeration, spelling in self.new_values:
                if enumerations.resolve(enumeration, spelling).outcome == Outcome.NEW:
                    enumerations.add_value(enumeration, spelling)
            return super().save(commit=commit)


class RecipientForm(EnumeratedFieldsMixin, forms.ModelForm):
    """The recipient form: country and company type are governed by enumerations."""

    confirm_new_values = confirm_new_values_field()

    class Meta:
        model = Recipient
        fields = ["email", "phone", "first_name", "last_name", "country", "company_type", "created_at"]


class ConvertValuesForm(forms.Form):
    """Convert values into aliases: of which value (of the same enumeration), or none."""

    target = forms.ModelChoiceField(
        label=_("Aliases of"),
        queryset=EnumerationValue.objects.none(),
        required=False,
        empty_label=_("(no target yet)"),
        help_text=_(
            "The selected values become aliases of this value; the data holding them is rewritten "
            "at the next alias cleansing."
        ),
    )

    def __init__(self, *args, enumeration, selected, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = enumeration.values.exclude(pk__in=[value.pk for value in selected])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("target")
