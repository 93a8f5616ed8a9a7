"""Saved filters on recipient fields: one format, used by offers' eligibility and by
forecasting's delivery targets (and the estimate shown while editing a delivery).

A filter is JSON, stored as is (a JSONField) and compiled to a Django Q over Recipient:

    {"all": [
        {"field": "email", "op": "endswith", "value": "@gmail.com"},
        {"any": [{"field": "country", "op": "eq", "value": "FR"},
                 {"field": "country", "op": "in", "value": ["BE", "CH"]}]},
        {"not": {"field": "created_at", "op": "lt", "value": "2025-01-01T00:00:00+00:00"}},
        {"list": 12}
    ]}

A condition is {"field", "op", "value"}; "all" / "any" take a list of filters, "not"
one filter, "list" a recipient list id (its members). `{}` or {"all": []} selects every
recipient. `check(filter)` raises ValidationError with a message naming what is wrong;
`compile_filter(filter)` returns the Q (checked first); `recipients(filter)` the queryset.

A delivery's target is its list, its filter, or both (`delivery_recipients`): the one
definition behind the estimate on the delivery's form and forecasting's logs.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .models import Recipient, RecipientList


@dataclass(frozen=True)
class FilterField:
    lookup: str
    kind: str  # "text" or "datetime"
    label: str


FIELDS = {
    "email": FilterField("email", "text", _("email")),
    "first_name": FilterField("first_name", "text", _("first name")),
    "last_name": FilterField("last_name", "text", _("last name")),
    "phone": FilterField("phone", "text", _("mobile phone")),
    "country": FilterField("country", "text", _("country")),
    "company_type": FilterField("company_type", "text", _("company type")),
    "created_at": FilterField("created_at", "datetime", _("created")),
}

OPERATORS = {
    "eq": "exact",
    "ne": None,  # NOT exact
    "in": "in",
    "contains": "icontains",
    "startswith": "istartswith",
    "endswith": "iendswith",
    "lt": "lt",
    "lte": "lte",
    "gt": "gt",
    "gte": "gte",
    "empty": None,  # the field is "" (or null)
}
TEXT_ONLY = {"contains", "startswith", "endswith"}
MAX_DEPTH = 8
MAX_IN_VALUES = 1000


def _value(field: FilterField, op, value, where):
    if op == "empty":
        return None
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
            raise ValidationError(f"{where}: “in” takes a list of 1 to {MAX_IN_VALUES} values")
        return [_value(field, "eq", item, where) for item in value]
    if field.kind == "datetime":
        moment = parse_datetime(value) if isinstance(value, str) else None
        if moment is None or moment.tzinfo is None:
            raise ValidationError(f"{where}: {value!r} is not a date and time with a time zone (ISO 8601)")
        return moment
    if not isinstance(value, str):
        raise ValidationError(f"{where}: {value!r} is not text")
    return value


def _compile(node, where, depth):
    if depth > MAX_DEPTH:
        raise ValidationError(f"{where}: filters nest at most {MAX_DEPTH} levels")
    if not isinstance(node, dict):
        raise ValidationError(f"{where}: a filter is an object, not {type(node).__name__}")
    if not node:
        return Q()
    keys = set(node)
    if keys == {"all"} or keys == {"any"}:
        (kind,) = keys
        parts = node[kind]
        if not isinstance(parts, list):
            raise ValidationError(f"{where}.{kind}: a list of filters is expected")
        compiled = [_compile(part, f"{where}.{kind}[{n}]", depth + 1) for n, part in enumerate(parts)]
        result = Q()
        for part in compiled:
            result = (result & part) if kind == "all" else (result | part)
        if kind == "any" and not compiled:
            return Q(pk__in=[])  # "any of nothing" selects nobody
        return result
    if keys == {"not"}:
        return ~_compile(node["not"], f"{where}.not", depth + 1)
    if keys == {"list"}:
        list_id = node["list"]
        if not isinstance(list_id, int) or isinstance(list_id, bool):
            raise ValidationError(f"{where}.list: a recipient list id (a whole number) is expected")
        if not RecipientList.objects.filter(pk=list_id).exists():
            raise ValidationError(f"{where}.list: there is no recipient list #{list_id}")
        return Q(lists=list_id)
    if keys != {"field", "op", "value"} and keys != {"field", "op"}:
        raise ValidationError(
            f"{where}: expected all, any, not, list or field/op/value, got {', '.join(sorted(keys))}"
        )
    name, op = node["field"], node["op"]
    field = FIELDS.get(name)
    if field is None:
        raise ValidationError(f"{where}: unknown field {name!r} (known: {', '.join(FIELDS)})")
    if op not in OPERATORS:
        raise ValidationError(f"{where}: unknown operator {op!r} (known: {', '.join(OPERATORS)})")
    if op in TEXT_ONLY and field.kind != "text":
        raise ValidationError(f"{where}: {op!r} applies to text fields, not {name!r}")
    if op != "empty" and "value" not in node:
        raise ValidationError(f"{where}: {op!r} needs a value")
    value = _value(field, op, node.get("value"), f"{where} ({name})")
    if op == "empty":
        return Q(**{f"{field.lookup}__isnull": True}) | Q(**{field.lookup: ""})
    if op == "ne":
        return ~Q(**{field.lookup: value})
    return Q(**{f"{field.lookup}__{OPERATORS[op]}": value})


def compile_filter(saved):
    """The Q selecting the recipients of a saved filter (None or {} selects all)."""
    return _compile({} if saved is None else saved, "filter", 0)


def check(saved):
    """Raise ValidationError naming the first problem of a saved filter."""
    compile_filter(saved)


def recipients(saved, recipient_list=None):
    """The recipients a target selects: the filter's, within the list when one is given.
    Distinct, since list membership is a join."""
    queryset = Recipient.objects.filter(compile_filter(saved))
    if recipient_list is not None:
        queryset = queryset.filter(lists=recipient_list)
    return queryset.distinct() if _uses_lists(saved) or recipient_list is not None else queryset


def has_target(delivery):
    """Whether a delivery names a target (a list, a filter or both)."""
    return delivery.target_list_id is not None or delivery.target_filter is not None


def delivery_recipients(delivery):
    """The recipients a delivery targets: its list's members, its filter's recipients, or
    the list's members its filter selects; None when it has no target."""
    if not has_target(delivery):
        return None
    return recipients(delivery.target_filter, delivery.target_list_id)


def _uses_lists(node):
    if isinstance(node, dict):
        return "list" in node or any(_uses_lists(value) for value in node.values())
    if isinstance(node, list):
        return any(_uses_lists(item) for item in node)
    return False
