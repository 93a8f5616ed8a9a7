"""The filters of the delivery statistics page (a GET form, crispy layout)."""

from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.models import Channel

DEFAULT_DAYS = 30
MAX_DAYS = 731


class DeliveryStatisticsForm(forms.Form):
    """Date range (local days, both included) and channel."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Channel.objects.order_by("label"),
        to_field_name="code",
        required=False,
        empty_label=_("All channels"),
    )

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_id = "statistics-filters"
        self.helper.form_method = "get"
        self.helper.layout = Layout(Div("start", "end", "channel", css_class="statistics-filters"))
        self.helper.add_input(Submit("filter", _("Show"), css_class="default"))

    def clean(self):
        data = super().clean()
        end = data.get("end") or self.today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The first day must not be after the last day."))
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                _("Choose at most %(days)s days.") % {"days": MAX_DAYS}, code="too_long"
            )
        data["start"], data["end"] = start, end
        return data
