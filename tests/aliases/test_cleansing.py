"""aliasCleansing's logic (campaign.aliases.cleansing), without Celery: collection,
rewrite with its audit, case and spacing, several bound fields, hits, idempotence, and a
failed run that leaves the previous state."""

from datetime import timedelta

import pytest

from campaign.aliases import cleansing
from campaign.aliases.choices import HitsMode
from campaign.aliases.models import AliasRewrite, CleansingRun, RewrittenRow
from campaign.choices import AliasSource
from campaign.models import EnumerationAlias, Recipient
from workflows.plugins import EnumerationBinding

from .conftest import NOW, column, recipients

pytestmark = pytest.mark.django_db


def aliases(enumeration):
    """{spelling: (target or None, hits, rows holding it)}"""
    return {
        alias.alias: (alias.value.value if alias.value else None, alias.hits, alias.rows_pending)
        for alias in EnumerationAlias.objects.filter(enumeration=enumeration).select_related("value")
    }


def test_aliased_spellings_are_rewritten_to_their_value_and_audited(catalog):
    catalog.alias(catalog.country, "FR", "France")
    catalog.alias(catalog.country, "Deutschland", "Germany")
    ids = recipients("country", ["fr", " FR ", "Deutschland", "France", "Spain", ""])

    result = cleansing.cleanse(NOW)

    assert column("country") == ["France", "France", "Germany", "France", "Spain", ""]
    run = result.run
    assert (run.rows_rewritten, run.values_collected, run.hits_mode) == (3, 1, HitsMode.INCREMENTAL)
    changed = set(
        RewrittenRow.objects.filter(run=run).values_list("binding", "row_id", "old_value", "new_value")
    )
    assert changed == {
        ("recipient_country", ids[0], "fr", "France"),
        ("recipient_country", ids[1], " FR ", "France"),
        ("recipient_country", ids[2], "Deutschland", "Germany"),
    }
    per_alias = {
        (rewrite.alias.alias, rewrite.target): rewrite.rows_rewritten
        for rewrite in AliasRewrite.objects.filter(run=run).select_related("alias")
    }
    assert per_alias == {("FR", "France"): 2, ("Deutschland", "Germany"): 1}


def test_unknown_spellings_are_collected_without_a_target_with_their_hits(catalog):
    recipients("country", ["Espagne", "espagne ", "ESPAGNE", "Italia", "", "   "])

    cleansing.cleanse(NOW)

    collected = EnumerationAlias.objects.filter(enumeration=catalog.country)
    assert {alias.alias: (alias.hits, alias.rows_pending) for alias in collected} == {
        "ESPAGNE": (3, 3),  # one alias per key; the spelling shown is the smallest one
        "Italia": (1, 1),
    }
    assert all(alias.value_id is None and alias.source == AliasSource.CLEANSING for alias in collected)
    assert column("country")[:4] == ["Espagne", "espagne ", "ESPAGNE", "Italia"]  # left as they are


def test_a_case_or_spacing_variant_of_a_value_gets_its_exact_spelling(catalog):
    recipients("country", [" france", "FRANCE ", "united kingdom", "France"])
    result = cleansing.cleanse(NOW)
    assert column("country") == ["France", "France", "United Kingdom", "France"]
    assert result.run.values_collected == 0
    variants = AliasRewrite.objects.get(run=result.run, target="France")
    assert (variants.alias, variants.matched, variants.rows_rewritten) == (None, "france", 2)


def test_an_enumeration_matched_exactly_minds_case_and_spaces(catalog):
    catalog.alias(catalog.company, "pme", "SME")
    recipients("company_type", ["pme", "PME", "SME ", "SME", "Large company"])

    result = cleansing.cleanse(NOW)

    assert column("company_type") == ["SME", "PME", "SME ", "SME", "Large company"]
    assert result.run.rows_rewritten == 1
    assert set(aliases(catalog.company)) == {"pme", "PME", "SME "}  # collected as they are


def test_enumerations_without_cleansing_and_unknown_enumerations_are_left_alone(catalog, monkeypatch):
    catalog.company.alias_cleansing = False
    catalog.company.save()
    catalog.alias(catalog.company, "pme", "SME")
    recipients("company_type", ["pme", "Other"])
    lines = []
    monkeypatch.setattr(
        "campaign.enumerations.enumeration_bindings",
        lambda: [
            EnumerationBinding(
                "recipient_company_type", "company_type", "campaign.Recipient", "company_type"
            ),
            EnumerationBinding("recipient_phone", "no_such_enumeration", "campaign.Recipient", "phone"),
            EnumerationBinding("elsewhere", "country", "notinstalled.Model", "field"),
        ],
    )

    result = cleansing.cleanse(NOW, log=lines.append)

    assert column("company_type") == ["pme", "Other"]
    assert result.fields == [] and CleansingRun.objects.get().rows_rewritten == 0
    assert (
        "Skipped campaign.Recipient.company_type: alias cleansing is off for enumeration company_type"
        in lines
    )
    assert "Skipped campaign.Recipient.phone: no enumeration named “no_such_enumeration”" in lines


def test_several_bound_fields_share_their_enumeration_aliases(catalog, monkeypatch):
    """A second field bound to the country enumeration (last name, for the test)."""
    monkeypatch.setattr(
        "campaign.enumerations.enumeration_bindings",
        lambda: [
            EnumerationBinding("recipient_country", "country", "campaign.Recipient", "country"),
            EnumerationBinding("recipient_last_name", "country", "campaign.Recipient", "last_name"),
            EnumerationBinding(
                "recipient_company_type", "company_type", "campaign.Recipient", "company_type"
            ),
        ],
    )
    catalog.alias(catalog.country, "uk", "United Kingdom")
    catalog.alias(catalog.company, "pme", "SME")
    Recipient.objects.bulk_create(
        [
            Recipient(
                email="a@example.com", country="UK", last_name="uk", company_type="pme", created_at=NOW
            ),
            Recipient(email="b@example.com", country="Suisse", last_name="suisse", created_at=NOW),
        ]
    )
    lines = []

    result = cleansing.cleanse(NOW, log=lines.append)

    rows = list(Recipient.objects.order_by("id").values_list("country", "last_name", "company_type"))
    assert rows == [("United Kingdom", "United Kingdom", "SME"), ("Suisse", "suisse", "")]
    figures = {item.field: (item.collected, item.rewritten) for item in result.fields}
    assert figures == {
        "campaign.Recipient.country": (1, 1),
        "campaign.Recipient.last_name": (0, 1),  # "suisse" was collected by the first field
        "campaign.Recipient.company_type": (0, 1),
    }
    assert aliases(catalog.country)["Suisse"] == (None, 2, 2)  # found in both fields
    assert aliases(catalog.country)["uk"] == ("United Kingdom", 2, 0)
    assert any(
        line.startswith(
            "campaign.Recipient.last_name (enumeration country): 0 values collected, 1 rows rewritten"
        )
        for line in lines
    )


def test_a_second_run_changes_nothing(catalog):
    catalog.alias(catalog.country, "FR", "France")
    recipients("country", ["fr", "Espagne", "france "])
    cleansing.cleanse(NOW)
    data, hits = column("country"), aliases(catalog.country)

    second = cleansing.cleanse(NOW + timedelta(days=1))

    assert (second.run.rows_rewritten, second.run.values_collected, second.run.hits_updated) == (0, 0, 0)
    assert column("country") == data and aliases(catalog.country) == hits
    assert not RewrittenRow.objects.filter(run=second.run).exists()


def test_hits_grow_incrementally_without_counting_a_row_twice(catalog):
    recipients("country", ["Espagne"] * 3)
    cleansing.cleanse(NOW)
    assert aliases(catalog.country)["Espagne"] == (None, 3, 3)

    recipients("country", ["espagne"] * 2)  # two more entered since
    cleansing.cleanse(NOW + timedelta(days=1))
    assert aliases(catalog.country)["Espagne"] == (None, 5, 5)

    # Given a target, its 5 rows are rewritten: they were counted already.
    spain = catalog.value(catalog.country, "Spain")
    EnumerationAlias.objects.filter(alias="Espagne").update(value=spain)
    recipients("country", ["ESPAGNE"])  # and one more
    third = cleansing.cleanse(NOW + timedelta(days=2))
    assert third.run.rows_rewritten == 6
    assert aliases(catalog.country)["Espagne"] == ("Spain", 6, 0)

    recipients("country", ["espagne"] * 4)  # typed again: rewritten, and counted
    cleansing.cleanse(NOW + timedelta(days=3))
    assert aliases(catalog.country)["Espagne"] == ("Spain", 10, 0)


def test_full_hits_recount_from_the_data_and_the_kept_audit(catalog):
    catalog.alias(catalog.country, "FR", "France")
    recipients("country", ["fr"] * 4 + ["Espagne"] * 2)
    cleansing.cleanse(NOW)
    EnumerationAlias.objects.filter(alias="FR").update(hits=1000)  # drifted, e.g. edited
    EnumerationAlias.objects.filter(alias="Espagne").update(hits=7)
    recipients("country", ["FR"])

    full = cleansing.cleanse(NOW + timedelta(days=1), full_hits=True)

    assert full.run.hits_mode == HitsMode.FULL
    assert aliases(catalog.country)["FR"] == ("France", 5, 0)  # 4 + 1 rewritten, audits kept
    assert aliases(catalog.country)["Espagne"] == (None, 2, 2)  # the rows holding it now
    assert full.run.hits_updated == 2


def test_a_failed_run_leaves_the_previous_state(catalog, monkeypatch):
    catalog.alias(catalog.country, "FR", "France")
    catalog.alias(catalog.company, "pme", "SME")
    recipients("country", ["fr", "Espagne"])
    recipients("company_type", ["pme"])
    real = cleansing.cleanse_field

    def fail_on_country(target, run, now):
        if target.key == "recipient_country":  # after company type, done
            raise RuntimeError("disk full")
        return real(target, run, now)

    monkeypatch.setattr(cleansing, "cleanse_field", fail_on_country)
    with pytest.raises(RuntimeError):
        cleansing.cleanse(NOW)

    assert column("country") == ["fr", "Espagne", ""] and column("company_type") == ["", "", "pme"]
    assert not CleansingRun.objects.exists() and not RewrittenRow.objects.exists()
    assert set(aliases(catalog.country)) == {"FR"}
    assert aliases(catalog.country)["FR"] == ("France", 0, 0)


def test_the_preview_counts_what_a_run_would_do_and_changes_nothing(catalog):
    catalog.alias(catalog.country, "FR", "France")
    recipients("country", ["fr", "FR", "france ", "Espagne", "Italia", "italia"])
    text = cleansing.preview(NOW)
    assert (
        "campaign.Recipient.country (enumeration country): 3 rows to rewrite, 2 new spellings to collect"
        in text
    )
    assert column("country")[0] == "fr" and not CleansingRun.objects.exists()
