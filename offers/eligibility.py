"""An offer's eligibility with the rules its categories pass down (Adobe §8: validity
dates, weight, target; sub-categories inherit the eligibility rules and themes of their
parents), as the eligibility approver and the live screens show it.

The target filters are the core's saved filters (campaign.targeting): the effective
target is every filter of the chain at once ({"all": [...]}), counted with
`campaign.targeting.recipients`.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaign import targeting

from .models import Category


@dataclass
class Rule:
    """One level's rules: a category (root first) or the offer itself."""

    source: str
    enabled: bool = True
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    weight: float = 1.0
    themes: list = field(default_factory=list)
    target: dict | None = None


@dataclass
class Eligibility:
    rules: list

    @property
    def enabled(self):
        return all(rule.enabled for rule in self.rules)

    @property
    def valid_from(self):
        starts = [rule.valid_from for rule in self.rules if rule.valid_from]
        return max(starts) if starts else None

    @property
    def valid_until(self):
        ends = [rule.valid_until for rule in self.rules if rule.valid_until]
        return min(ends) if ends else None

    @property
    def weight(self):
        product = 1.0
        for rule in self.rules:
            product *= rule.weight
        return product

    @property
    def themes(self):
        seen = []
        for rule in self.rules:
            seen += [theme for theme in rule.themes if theme not in seen]
        return seen

    @property
    def target(self):
        """Every target filter of the chain at once; None selects every recipient."""
        filters = [rule.target for rule in self.rules if rule.target]
        if not filters:
            return None
        return filters[0] if len(filters) == 1 else {"all": filters}

    def valid_at(self, moment):
        return (self.valid_from is None or self.valid_from <= moment) and (
            self.valid_until is None or moment < self.valid_until
        )


def themes_of(text):
    return [theme.strip() for theme in (text or "").split(",") if theme.strip()]


def category_chain(category_id):
    """The categories from the root down to `category_id` (one query per level: a
    catalog is a few levels deep)."""
    chain, seen = [], set()
    current = Category.objects.filter(pk=category_id).first()
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        chain.insert(0, current)
        current = Category.objects.filter(pk=current.parent_id).first() if current.parent_id else None
    return chain


def of_offer(offer):
    """The effective eligibility of an offer (design or live: its own category tree)."""
    rules = [
        Rule(
            source=_("category %(name)s") % {"name": category.name},
            enabled=category.enabled,
            valid_from=category.valid_from,
            valid_until=category.valid_until,
            weight=category.weight,
            themes=themes_of(category.themes),
            target=category.target,
        )
        for category in category_chain(offer.category_id)
    ]
    rules.append(
        Rule(
            source=_("offer %(code)s") % {"code": offer.code},
            valid_from=offer.valid_from,
            valid_until=offer.valid_until,
            weight=float(offer.weight),
            target=offer.target,
        )
    )
    return Eligibility(rules)


def target_size(saved):
    """Recipients a saved filter selects (None for a filter that no longer applies,
    e.g. a recipient list deleted since)."""
    try:
        return targeting.recipients(saved).count()
    except ValidationError:
        return None


OPERATOR_WORDS = {
    "eq": "=",
    "ne": "≠",
    "in": gettext_lazy("in"),
    "contains": gettext_lazy("contains"),
    "startswith": gettext_lazy("starts with"),
    "endswith": gettext_lazy("ends with"),
    "lt": "<",
    "lte": "≤",
    "gt": ">",
    "gte": "≥",
    "empty": gettext_lazy("is empty"),
}


def describe(saved):
    """A saved filter in words, for the approvers: “country = FR and (…)”."""
    if not saved:
        return _("every recipient")
    return _describe(saved)


def _describe(node):
    if not isinstance(node, dict) or not node:
        return _("every recipient")
    if "all" in node or "any" in node:
        kind = "all" if "all" in node else "any"
        parts = [_describe(part) for part in node[kind]]
        if not parts:
            return _("nobody") if kind == "any" else _("every recipient")
        joiner = f" {_('and')} " if kind == "all" else f" {_('or')} "
        return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
    if "not" in node:
        return f"{_('not')} {_describe(node['not'])}"
    if "list" in node:
        return _("member of list #%(list)s") % {"list": node["list"]}
    known = targeting.FIELDS.get(node.get("field"))
    name = str(known.label) if known else str(node.get("field"))
    words = str(OPERATOR_WORDS.get(node.get("op"), node.get("op")))
    if node.get("op") == "empty":
        return f"{name} {words}"
    value = node.get("value")
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"{name} {words} {shown}"
