"""The fields alias cleansing works on: every declared EnumerationBinding whose model is
installed, with what the SQL needs (table, column, primary key), or why it is skipped."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, models
from django.utils.translation import gettext as _

from campaign.enumerations import BoundField, bound_fields
from campaign.models import Enumeration

# Aliases and values hold at most this many characters: longer spellings are left alone.
MAX_SPELLING = 200

INTEGER_KEYS = (models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField)


@dataclass(frozen=True)
class CleansedField:
    """A bound field alias cleansing can rewrite."""

    key: str  # the binding's key, stored in the audit
    label: str  # "campaign.Recipient.country"
    enumeration: Enumeration
    table: str  # quoted
    column: str  # quoted
    pk: str  # quoted

    def spelling_key(self, expression: str) -> str:
        """The SQL of the match key of a column or expression of this field."""
        return f"LOWER(TRIM({expression}))" if self.enumeration.ignore_case else expression


@dataclass(frozen=True)
class Skipped:
    label: str
    reason: str


def _check(bound: BoundField, cleansing_only: bool = True) -> CleansedField | Skipped:
    meta = bound.model._meta
    if bound.enumeration is None:
        return Skipped(
            bound.label, _("no enumeration named “%(name)s”") % {"name": bound.binding.enumeration}
        )
    if cleansing_only and not bound.enumeration.alias_cleansing:
        return Skipped(
            bound.label,
            _("alias cleansing is off for enumeration %(name)s") % {"name": bound.enumeration.name},
        )
    try:
        field = meta.get_field(bound.field_name)
    except models.FieldDoesNotExist:
        return Skipped(bound.label, _("the model has no such field"))
    if not isinstance(field, models.CharField | models.TextField) or not field.concrete:
        return Skipped(bound.label, _("not a text field"))
    if not isinstance(meta.pk, INTEGER_KEYS):
        return Skipped(bound.label, _("its table has no whole-number primary key"))
    quote = connection.ops.quote_name
    return CleansedField(
        key=bound.binding.key,
        label=bound.label,
        enumeration=bound.enumeration,
        table=quote(meta.db_table),
        column=quote(field.column),
        pk=quote(meta.pk.column),
    )


def cleansed_fields() -> tuple[list[tuple[Enumeration, list[CleansedField]]], list[Skipped]]:
    """[(enumeration, its fields)] in enumeration then binding order, and the skipped ones."""
    by_enumeration: dict[int, tuple[Enumeration, list[CleansedField]]] = {}
    skipped = []
    for bound in bound_fields():
        checked = _check(bound)
        if isinstance(checked, Skipped):
            skipped.append(checked)
            continue
        by_enumeration.setdefault(checked.enumeration.pk, (checked.enumeration, []))[1].append(checked)
    ordered = sorted(by_enumeration.values(), key=lambda item: item[0].name)
    return ordered, skipped


def field_by_key(key: str) -> CleansedField | Skipped | None:
    """The field of a binding key, whatever its cleansing flag (revert), or None when no
    installed app declares it."""
    for bound in bound_fields():
        if bound.binding.key == key:
            return _check(bound, cleansing_only=False)
    return None
