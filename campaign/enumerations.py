"""Enumerations at work: which fields they govern, what a typed spelling resolves to, and
turning values into aliases. Adobe §4.

The fields an enumeration governs are declared by the app that owns each field
(`EnumerationBinding(key, enumeration, "app_label.Model", field)` in its
contributions.py); the core reads the declarations and never names an app above it.

A spelling typed into a bound field resolves to:
- a value (its own spelling, or, when the enumeration ignores case and spaces, the
  value's spelling);
- the value an alias stands for (forms replace it at once);
- new: neither; an open enumeration adds it after the operator confirms, a closed one
  refuses it. A spelling collected by alias cleansing without a target is new too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.db.models import Model

from workflows.plugins import EnumerationBinding, enumeration_bindings, model_or_none

from .choices import AliasSource
from .models import Enumeration, EnumerationAlias, EnumerationValue


@dataclass(frozen=True)
class BoundField:
    """A declared binding whose model is installed: its model, field and enumeration
    (None when no enumeration of that name exists yet)."""

    binding: EnumerationBinding
    model: type[Model]
    enumeration: Enumeration | None

    @property
    def field_name(self) -> str:
        return self.binding.field

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.binding.field}"


def bound_fields(model: type[Model] | None = None) -> list[BoundField]:
    """The declared bindings whose model is installed (of one model if given)."""
    enumerations = {enumeration.name: enumeration for enumeration in Enumeration.objects.all()}
    found = []
    for binding in enumeration_bindings():
        bound_model = model_or_none(binding.model)
        if bound_model is None or (model is not None and bound_model is not model):
            continue
        found.append(BoundField(binding, bound_model, enumerations.get(binding.enumeration)))
    return found


def bindings_of(enumeration: Enumeration) -> list[BoundField]:
    return [field for field in bound_fields() if field.binding.enumeration == enumeration.name]


class Outcome(StrEnum):
    BLANK = "blank"
    VALUE = "value"
    ALIAS = "alias"
    NEW = "new"


@dataclass(frozen=True)
class Resolution:
    text: str
    outcome: Outcome
    value: str = ""  # the canonical spelling (value and alias outcomes)

    @property
    def known(self) -> bool:
        return self.outcome in (Outcome.BLANK, Outcome.VALUE, Outcome.ALIAS)


def resolve(enumeration: Enumeration, text: str | None) -> Resolution:
    """What `text` stands for in `enumeration` (two indexed lookups by match key)."""
    text = text or ""
    if not text.strip():
        return Resolution(text, Outcome.BLANK)
    key = enumeration.key_of(text)
    value = enumeration.values.filter(match_key=key).values_list("value", flat=True).first()
    if value is not None:
        return Resolution(text, Outcome.VALUE, value)
    target = (
        enumeration.aliases.filter(match_key=key, value__isnull=False)
        .values_list("value__value", flat=True)
        .first()
    )
    if target is not None:
        return Resolution(text, Outcome.ALIAS, target)
    return Resolution(text, Outcome.NEW)


@transaction.atomic
def add_value(enumeration: Enumeration, text: str) -> EnumerationValue:
    """Add a confirmed new value to an open enumeration (a spelling collected without a
    target leaves the alias list: it is a value now)."""
    spelling = text.strip() if enumeration.ignore_case else text
    value = EnumerationValue(enumeration=enumeration, value=spelling, label=spelling)
    value.save()
    return value


@transaction.atomic
def convert_values_into_aliases(values, target: EnumerationValue | None) -> int:
    """Turn `values` (of one enumeration) into aliases of `target` (or into aliases
    without a target): aliases that pointed at them follow to `target`; the data still
    holding them is rewritten by the next alias cleansing. Returns how many."""
    converted = 0
    for value in values:
        if target is not None and value.pk == target.pk:
            continue
        enumeration, spelling = value.enumeration, value.value
        value.aliases.update(value=target)
        value.delete()
        alias = EnumerationAlias(
            enumeration=enumeration, alias=spelling, value=target, source=AliasSource.CONVERSION
        )
        alias.save()
        converted += 1
    return converted


def fields_by_enumeration() -> dict[str, list[str]]:
    """{enumeration name: ["app_label.Model.field", …]} of the installed bound fields
    (declarations only: no query)."""
    found: dict[str, list[str]] = {}
    for binding in enumeration_bindings():
        model = model_or_none(binding.model)
        if model is not None:
            found.setdefault(binding.enumeration, []).append(f"{model._meta.label}.{binding.field}")
    return found
