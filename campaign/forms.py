"""Forms of the core app's admin screens."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_BATCH_SIZE, MAX_RETENTION_DAYS, MIN_BATCH_SIZE, RETENTION_FIELDS, PurgeSettings
from .retention import DATA_CLASSES

DAYS_ERRORS = {
    "min_value": _(
        "Enter a number of days of 1 or more: 0 would delete everything at every run. "
        "Leave the field empty to keep the data forever."
    ),
    "max_value": _(
        "At most %(limit_value)s days (100 years). Leave the field empty to keep the data forever."
    ),
    "invalid": _("Enter a whole number of days, or leave the field empty to keep the data forever."),
}


class PurgeSettingsForm(forms.ModelForm):
    """Deployment wizard › Purge data: retention per data class, statistics, batch size."""

    class Meta:
        model = PurgeSettings
        fields = [*RETENTION_FIELDS, "statistics_mode", "batch_size"]
        error_messages = {
            **{name: DAYS_ERRORS for name in RETENTION_FIELDS},
            "batch_size": {
                "min_value": _("The batch size must be at least %(limit_value)s rows."),
                "max_value": _("The batch size must be at most %(limit_value)s rows."),
                "required": _("Enter a batch size (rows per transaction)."),
            },
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for data_class in DATA_CLASSES:
            field = self.fields[data_class.field]
            field.label = _("%(label)s (days)") % {"label": data_class.label}
            field.widget.attrs.update({"min": 1, "max": MAX_RETENTION_DAYS, "placeholder": _("keep forever")})
            option = f" [{data_class.option}]" if data_class.option != "-" else ""
            field.help_text = f"{field.help_text}{option}"
        self.fields["batch_size"].widget.attrs.update({"min": MIN_BATCH_SIZE, "max": MAX_BATCH_SIZE})
        self.helper = FormHelper()
        self.helper.form_id = "purge-settings-form"
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Fieldset(_("Retention in days (empty = keep forever)"), *RETENTION_FIELDS),
            Fieldset(_("Run"), "statistics_mode", "batch_size"),
        )
        self.helper.add_input(Submit("save", _("Save"), css_class="default"))
