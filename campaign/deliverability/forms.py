"""Forms of the deliverability screens."""

import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import MatchKind
from .models import QualificationRule


class QualificationRuleForm(forms.ModelForm):
    """A custom bounce qualification rule: a regular expression must compile."""

    class Meta:
        model = QualificationRule
        fields = ["pattern", "match_kind", "failure_type", "failure_reason", "priority", "description"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("match_kind") == MatchKind.REGEX and cleaned.get("pattern"):
            try:
                re.compile(cleaned["pattern"], re.IGNORECASE)
            except re.error as exc:
                self.add_error("pattern", _("Not a valid regular expression: %(error)s") % {"error": exc})
        return cleaned


class QualifyForm(forms.Form):
    """Try the rules in force on a text (changes nothing)."""

    text = forms.CharField(
        label=_("SMTP reply or bounce text"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "qualify-form"
        self.helper.form_method = "get"
        self.helper.layout = Layout("text")
        self.helper.add_input(Submit("qualify", _("Qualify"), css_class="default"))
