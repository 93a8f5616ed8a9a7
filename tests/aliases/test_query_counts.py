"""No N+1 on alias cleansing's lists: the aliases (with their editable target), the
enumerations, the runs and the Alias cleansing screen run as many queries with 1 row as
with 300."""

from datetime import timedelta

import pytest
from django.urls import reverse

from campaign.aliases.models import CleansingRun
from campaign.models import Enumeration, EnumerationAlias
from tests.query_counts import assert_no_n_plus_one

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_the_aliases_list_with_editable_targets(administrator_client, catalog):
    def add_rows(count):
        start = EnumerationAlias.objects.count()
        for n in range(start, start + count):
            enumeration = catalog.country if n % 2 else catalog.company
            target = "France" if n % 2 else "SME"
            catalog.alias(enumeration, f"spelling {n}", target if n % 3 else None)

    assert_no_n_plus_one(
        administrator_client, reverse("admin:campaign_enumerationalias_changelist"), add_rows
    )


def test_the_enumerations_list(administrator_client, catalog):
    def add_rows(count):
        start = Enumeration.objects.count()
        Enumeration.objects.bulk_create(
            Enumeration(name=f"e{n}", label=f"E {n}") for n in range(start, start + count)
        )

    assert_no_n_plus_one(administrator_client, reverse("admin:campaign_enumeration_changelist"), add_rows)


def add_runs(count):
    start = CleansingRun.objects.count()
    CleansingRun.objects.bulk_create(
        CleansingRun(ran_at=NOW - timedelta(days=n), rows_rewritten=n, fields=[])
        for n in range(start, start + count)
    )


def test_the_runs_list(administrator_client):
    assert_no_n_plus_one(administrator_client, reverse("admin:aliases_cleansingrun_changelist"), add_runs)


def test_the_alias_cleansing_screen(administrator_client, catalog):
    def add_rows(count):
        add_runs(count)
        start = EnumerationAlias.objects.count()
        for n in range(start, start + count):
            catalog.alias(catalog.country, f"waiting {n}")

    assert_no_n_plus_one(administrator_client, reverse("aliases:cleansing"), add_rows)
