"""Forms of the cube screens: the report selection (a GET form: dimensions, date level,
date range, filters, measures) and the issue of an intake API key."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.apps import apps
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from workflows.plugins import Cube

from . import queries, reports

# Up to this many values a filter is a list to pick from; above, ids to type.
PICK_LIST_MAX = 300
NONE_TOKEN = "none"


def filter_field_name(key):
    return f"f_{key}"


class IdList(forms.CharField):
    """Comma-separated whole numbers (ids), "none" for rows without a value."""

    def to_python(self, value):
        text = super().to_python(value)
        found = []
        for part in (piece.strip() for piece in text.split(",")):
            if not part:
                continue
            if part.lower() == NONE_TOKEN:
                found.append(None)
            elif part.isdigit():
                found.append(int(part))
            else:
                raise forms.ValidationError(
                    _("“%(value)s” is not an id: enter ids separated by commas, or “none”."),
                    params={"value": part},
                )
        return found


class ReportForm(forms.Form):
    """What a cube report shows. Reading it never changes anything (GET)."""

    dimensions = forms.MultipleChoiceField(
        label=_("Group by"), required=False, widget=forms.CheckboxSelectMultiple
    )
    level = forms.ChoiceField(label=_("Date level"), required=False)
    start = forms.DateField(
        label=pgettext_lazy("report period", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("To (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    measures = forms.MultipleChoiceField(
        label=_("Measures"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one measure.")},
    )

    def __init__(self, *args, cube: Cube, **kwargs):
        super().__init__(*args, **kwargs)
        self.cube = cube
        dimensions = [d for d in cube.dimensions if not d.is_date]
        self.fields["dimensions"].choices = [(d.key, d.label) for d in dimensions]
        date = cube.date_dimension
        levels = date.date_levels if date else ()
        self.fields["level"].choices = [("", _("not by date"))] + [
            (level, reports.LEVEL_LABELS[level]) for level in levels
        ]
        self.fields["measures"].choices = [(m.key, m.label) for m in cube.measures]
        for dimension in dimensions:
            self.fields[filter_field_name(dimension.key)] = self._filter_field(dimension)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_id = "report-form"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Div(
                Div("dimensions", "level", css_class="report-block"),
                Div(Field("start"), Field("end"), css_class="report-block"),
                Div("measures", css_class="report-block"),
                Div(
                    HTML(format_html('<p class="report-filters-title">{}</p>', _("Filters"))),
                    *[filter_field_name(d.key) for d in dimensions],
                    css_class="report-block report-filters",
                ),
                css_class="report-form-blocks",
            ),
        )
        self.helper.add_input(Submit("show", _("Show"), css_class="default"))

    def _filter_field(self, dimension):
        label = dimension.label
        if dimension.related:
            model = apps.get_model(dimension.related)
            if model._base_manager.count() > PICK_LIST_MAX:
                return IdList(
                    label=label,
                    required=False,
                    help_text=_("Ids separated by commas; “none” for rows without one."),
                )
            rows = model._base_manager.select_related().order_by("pk")
            choices = [(str(row.pk), str(row)) for row in rows]
        else:
            model_field = reports._field_at(queries.fact_model(self.cube), dimension.field)
            choices = [
                (str(value), label) for value, label in (model_field.flatchoices if model_field else [])
            ]
        choices.append((NONE_TOKEN, reports.NONE_LABEL))
        return forms.MultipleChoiceField(
            label=label, required=False, choices=choices, widget=forms.SelectMultiple(attrs={"size": 4})
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned

    def selection(self):
        """The queries.Selection of a valid form."""
        data = self.cleaned_data
        filters = {}
        for dimension in self.cube.dimensions:
            if dimension.is_date:
                continue
            picked = data.get(filter_field_name(dimension.key)) or []
            if picked:
                filters[dimension.key] = tuple(self._value(dimension, value) for value in picked)
        order = [d.key for d in self.cube.dimensions]
        return queries.Selection(
            dimensions=tuple(sorted(data["dimensions"], key=order.index)),
            level=data["level"] or None,
            start=data.get("start"),
            end=data.get("end"),
            filters=filters,
        )

    @staticmethod
    def _value(dimension, value):
        if value is None or value == NONE_TOKEN:
            return None
        if dimension.related and isinstance(value, str):
            return int(value)
        return value

    def measure_keys(self):
        order = [m.key for m in self.cube.measures]
        return tuple(sorted(self.cleaned_data["measures"], key=order.index))


def view_data(view: reports.View, today):
    """The GET data of a ready-made view."""
    start, end = reports.default_range(view, today)
    return {
        "dimensions": list(view.dimensions),
        "level": view.level or "",
        "measures": list(view.measures),
        "start": start.isoformat(),
        "end": end.isoformat(),
    }


class IssueKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who will use the key, e.g. “web shop”."),
        error_messages={"required": _("Give the key a name: who will use it?")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "post"
        self.helper.form_id = "issue-key-form"
        self.helper.layout = Layout("name")
        self.helper.add_input(Submit("issue", _("Issue a key"), css_class="default"))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the key a name: who will use it?"))
        return name
