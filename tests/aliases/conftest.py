"""Builders for the alias cleansing tests: the two enumerations the core binds (country,
ignoring case and spaces; company type, matched exactly and closed) and recipients."""

from datetime import UTC, datetime

import pytest
from django.utils import translation

from campaign.choices import EnumerationKind
from campaign.models import Enumeration, EnumerationAlias, EnumerationValue, Recipient

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 03:00 in Paris, the daily slot


class Catalog:
    """Enumerations, values and aliases created through the models (keys by the database)."""

    def __init__(self):
        # Seeded by the core's migration (and created again after a transactional test's flush).
        self.country = Enumeration.objects.get_or_create(name="country", defaults={"label": "Country"})[0]
        self.country.alias_cleansing, self.country.ignore_case = True, True
        self.country.save()
        self.company = Enumeration.objects.get_or_create(
            name="company_type", defaults={"label": "Company type"}
        )[0]
        self.company.kind, self.company.alias_cleansing, self.company.ignore_case = (
            EnumerationKind.CLOSED,
            True,
            False,
        )
        self.company.save()
        self.values = {}
        for name in ("France", "Germany", "United Kingdom"):
            self.value(self.country, name)
        for name in ("SME", "Large company"):
            self.value(self.company, name)

    def value(self, enumeration, text):
        value = EnumerationValue(enumeration=enumeration, value=text, label=text)
        value.save()
        self.values[text] = value
        return value

    def alias(self, enumeration, text, target=None):
        alias = EnumerationAlias(
            enumeration=enumeration, alias=text, value=self.values[target] if target else None
        )
        alias.save()
        return alias


@pytest.fixture
def catalog(db):
    return Catalog()


def recipients(field, values):
    """New recipients holding `values` in `field` (country, company_type); their ids."""
    start = Recipient.objects.count()
    Recipient.objects.bulk_create(
        Recipient(email=f"r{start + n}@example.com", created_at=NOW, **{field: value})
        for n, value in enumerate(values)
    )
    return list(Recipient.objects.order_by("id").values_list("id", flat=True))[start:]


def column(field):
    """The values of `field`, recipients in id order."""
    return list(Recipient.objects.order_by("id").values_list(field, flat=True))


@pytest.fixture(autouse=True)
def back_to_the_default_language(settings):
    """A page asked for in French leaves French active in this thread (LocaleMiddleware
    activates, nothing deactivates): the next tests read English again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)
