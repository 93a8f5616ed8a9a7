"""The schedule form of a technical workflow (administrators only).

Each field is checked by Celery's own crontab parser, so the form accepts exactly
what beat accepts; a crontab that never fires (31 February) is refused before it can
reach beat (django-celery-beat #748).
"""

from celery.schedules import ParseException
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .crontabs import Cron, never_fires

CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")

# Adobe's guardrail: do not schedule a workflow more often than every 15 minutes.
MIN_INTERVAL_MINUTES = 15


class ScheduleForm(forms.Form):
    minute = forms.CharField(label=_("Minute"), max_length=240, help_text=_("0-59, e.g. 0 or */15"))
    hour = forms.CharField(label=_("Hour"), max_length=96, help_text=_("0-23, e.g. 4 or 1,13"))
    day_of_month = forms.CharField(label=_("Day of month"), max_length=124, help_text=_("1-31, e.g. * or 25"))
    month_of_year = forms.CharField(
        label=_("Month of year"), max_length=64, help_text=_("1-12, e.g. * or 1-6")
    )
    day_of_week = forms.CharField(
        label=_("Day of week"), max_length=64, help_text=_("0-6 (0 = Sunday) or mon-sun, e.g. 1")
    )
    enabled = forms.BooleanField(
        label=_("Enabled"),
        required=False,
        help_text=_("A disabled schedule is never sent by beat; Run now still works."),
    )

    def __init__(self, *args, now=None, validator=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now or timezone.now()
        # The workflow's own rule (e.g. billing: once a month, on one day from 1 to 28).
        self.validator = validator
        self.helper = FormHelper()
        self.helper.form_id = "schedule-form"
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Div(*(Field(name) for name in CRON_FIELDS), css_class="cron-fields"),
            Field("enabled"),
        )
        self.helper.add_input(Submit("preview", _("Preview"), css_class="btn-secondary"))
        self.helper.add_input(Submit("save", _("Save"), css_class="default"))

    @classmethod
    def initial_for(cls, task):
        schedule = task.crontab
        return {name: getattr(schedule, name) for name in CRON_FIELDS} | {"enabled": task.enabled}

    def _clean_cron_field(self, name):
        value = self.cleaned_data[name].strip()
        if any(char.isspace() for char in value):
            raise forms.ValidationError(
                _("One field holds one value, without spaces (use commas: 1,15)."), code="spaces"
            )
        try:
            Cron(**{name: value}).celery()
        except (ValueError, ParseException) as exc:
            raise forms.ValidationError(
                _("Not a valid value: %(error)s"), code="invalid", params={"error": exc}
            ) from None
        return value

    def clean_minute(self):
        return self._clean_cron_field("minute")

    def clean_hour(self):
        return self._clean_cron_field("hour")

    def clean_day_of_month(self):
        return self._clean_cron_field("day_of_month")

    def clean_month_of_year(self):
        return self._clean_cron_field("month_of_year")

    def clean_day_of_week(self):
        return self._clean_cron_field("day_of_week")

    def clean(self):
        cleaned = super().clean()
        if any(name in self.errors for name in CRON_FIELDS):
            return cleaned
        cron = Cron(*(cleaned[name] for name in CRON_FIELDS))
        try:
            cron.celery()
        except ValueError as exc:  # each field parsed alone; Celery refuses 31 February itself
            raise forms.ValidationError(
                _("This schedule never fires: %(error)s"), code="never", params={"error": exc}
            ) from None
        if never_fires(cron, self.now):
            raise forms.ValidationError(
                _("This schedule never fires (%(cron)s): no such date in the next 29 years."),
                code="never",
                params={"cron": cron},
            )
        reason = self.validator(cron) if self.validator is not None else None
        if reason:
            raise forms.ValidationError(reason, code="workflow_rule")
        cleaned["cron"] = cron
        return cleaned
