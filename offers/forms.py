"""Forms of the design catalog (the admin's change forms) and of the approval page.

Bad input gets a message naming the problem and changes nothing: a category of another
environment, a parent that would make a loop, a target filter the core's saved-filter
format refuses (campaign.targeting), a validity that ends before it starts, an edit of
an offer that changed since it was opened.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign import targeting
from campaign.choices import ProfileTable

from .models import Category, Environment, Offer, OfferSpace

TARGET_HELP = gettext_lazy(
    'A saved recipient filter (JSON), e.g. {"all": [{"field": "country", "op": "eq", "value": "FR"}]}; '
    "empty: every recipient."
)


def check_target(target, environment):
    """The core's saved-filter format, on recipient environments only."""
    if not target:
        return None
    if environment is not None and environment.profile_table != ProfileTable.RECIPIENT:
        raise ValidationError(
            _("Target filters select recipients: the environment %(environment)s targets %(table)s.")
            % {"environment": environment, "table": environment.get_profile_table_display().lower()}
        )
    try:
        targeting.check(target)
    except ValidationError as exc:
        raise ValidationError(_("Target filter: %(problem)s") % {"problem": "; ".join(exc.messages)}) from exc
    return target


def check_validity(cleaned, form):
    start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
    if start and end and end <= start:
        form.add_error("valid_until", _("The validity must end after it starts."))


class DesignEnvironmentField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Environment.objects.design().order_by("name"), **kwargs)


class OfferForm(forms.ModelForm):
    """A design offer. `loaded_version` is the version the editor opened: saving over a
    newer one is refused."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Offer
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
        ]
        widgets = {"target": forms.Textarea(attrs={"rows": 3, "cols": 80})}
        help_texts = {"target": TARGET_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "environment" in self.fields:
            self.fields["environment"].queryset = Environment.objects.design().order_by("name")
        if "category" in self.fields:
            self.fields["category"].queryset = Category.objects.design().select_related("environment")
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        environment = cleaned.get("environment") or (self.instance.environment if self.instance.pk else None)
        category = cleaned.get("category")
        if category is not None and environment is not None and category.environment_id != environment.pk:
            self.add_error(
                "category",
                _("Choose a category of the environment %(environment)s.") % {"environment": environment},
            )
        if "target" in cleaned:
            try:
                cleaned["target"] = check_target(cleaned.get("target"), environment)
            except ValidationError as exc:
                self.add_error("target", exc)
        check_validity(cleaned, self)
        if self.instance.pk:
            self._check_version(cleaned.get("loaded_version"))
        return cleaned

    def _check_version(self, loaded):
        # Locked until the admin's transaction ends: no approval or edit slips between
        # this check and the save.
        current = (
            Offer.objects.select_for_update().filter(pk=self.instance.pk).values_list("version", flat=True)
        )
        current = current.first()
        if loaded is not None and current is not None and loaded != current:
            raise ValidationError(
                _("This offer changed since you opened it (version %(seen)s, now %(now)s): reload the page.")
                % {"seen": loaded, "now": current}
            )


class CategoryForm(forms.ModelForm):
    """A design category: its parent in the same environment, no loop."""

    class Meta:
        model = Category
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
        ]
        widgets = {"target": forms.Textarea(attrs={"rows": 3, "cols": 80})}
        help_texts = {"target": TARGET_HELP}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "environment" in self.fields:
            self.fields["environment"].queryset = Environment.objects.design().order_by("name")
        if "parent" in self.fields:
            self.fields["parent"].queryset = Category.objects.design().select_related("environment")

    def clean(self):
        cleaned = super().clean()
        environment = cleaned.get("environment") or (self.instance.environment if self.instance.pk else None)
        parent = cleaned.get("parent")
        if parent is not None and environment is not None:
            if parent.environment_id != environment.pk:
                self.add_error(
                    "parent",
                    _("Choose a parent of the environment %(environment)s.") % {"environment": environment},
                )
            elif self.instance.pk and self._is_below_itself(parent):
                self.add_error("parent", _("A category cannot be placed below itself."))
        name = cleaned.get("name")
        if parent is None and name and environment is not None:
            # Top-level names: the unique constraint cannot see them (no parent is NULL).
            twins = Category.objects.filter(
                environment=environment, parent=None, name=name, design_category=None
            ).exclude(pk=self.instance.pk)
            if twins.exists():
                self.add_error("name", _("A top-level category of this environment already has this name."))
        if "target" in cleaned:
            try:
                cleaned["target"] = check_target(cleaned.get("target"), environment)
            except ValidationError as exc:
                self.add_error("target", exc)
        check_validity(cleaned, self)
        return cleaned

    def _is_below_itself(self, parent):
        seen = set()
        current = parent
        while current is not None and current.pk not in seen:
            if current.pk == self.instance.pk:
                return True
            seen.add(current.pk)
            current = current.parent
        return False


class OfferSpaceForm(forms.ModelForm):
    class Meta:
        model = OfferSpace
        fields = ["environment", "name", "channel", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "environment" in self.fields:
            self.fields["environment"].queryset = Environment.objects.design().order_by("name")


class ContentFormSet(forms.BaseInlineFormSet):
    """Contents per space: spaces of the offer's own environment."""

    def clean(self):
        super().clean()
        environment_id = self.instance.environment_id
        for form in self.forms:
            space = form.cleaned_data.get("space") if hasattr(form, "cleaned_data") else None
            if space is not None and environment_id and space.environment_id != environment_id:
                form.add_error("space", _("Choose an offer space of the offer's environment."))


class DecisionForm(forms.Form):
    """A decision on the approval page: the version the approver saw, a comment."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    comment = forms.CharField(
        label=gettext_lazy("Comment (kept in the audit trail)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, offer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if offer is not None:
            self.fields["version"].initial = offer.version
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Field("version"), Field("comment"))
