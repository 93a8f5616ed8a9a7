"""Enumerations in the admin (the core's, extended by this app with "Cleanse values
now"): values, bound fields, aliases and their targets, "Convert values into aliases";
the runs of alias cleansing and "Revert the selected run…"."""

import pytest
from django.urls import reverse

from campaign.aliases import cleansing
from campaign.aliases.choices import RunStatus
from campaign.aliases.models import CleansingRun
from campaign.choices import AliasSource
from campaign.models import EnumerationAlias, EnumerationValue
from workflows.api import RunStatus as WorkflowRunStatus
from workflows.api import WorkflowRun

from .conftest import NOW, column, recipients

pytestmark = pytest.mark.django_db

ENUMERATIONS = "admin:campaign_enumeration_changelist"
VALUES = "admin:campaign_enumerationvalue_changelist"
ALIASES = "admin:campaign_enumerationalias_changelist"
RUNS = "admin:aliases_cleansingrun_changelist"


def text(response):
    return response.content.decode()


def test_the_enumerations_list_shows_flags_bound_fields_and_aliases(administrator_client, catalog):
    catalog.alias(catalog.country, "FR", "France")
    catalog.alias(catalog.country, "Espagne")
    page = text(administrator_client.get(reverse(ENUMERATIONS)))
    assert "campaign.<wbr>Recipient.<wbr>country" in page and "Recipient.<wbr>company_type" in page
    assert "2 aliases, 1 without target" in page
    change = text(
        administrator_client.get(reverse("admin:campaign_enumeration_change", args=[catalog.country.pk]))
    )
    assert 'value="United Kingdom"' in change  # the values inline
    assert "ignore case and surrounding spaces" in change.lower()


def test_matching_loosely_is_refused_when_two_spellings_would_become_one(administrator_client, catalog):
    catalog.value(catalog.company, "sme")  # "SME" and "sme": two values while matched exactly
    url = reverse("admin:campaign_enumeration_change", args=[catalog.company.pk])
    form = {
        "name": "company_type",
        "label": "Company type",
        "kind": "closed",
        "alias_cleansing": "on",
        "ignore_case": "on",
        "values-TOTAL_FORMS": "0",
        "values-INITIAL_FORMS": "0",
    }
    response = administrator_client.post(url, form)
    assert "These spellings would become one: sme." in text(response)
    catalog.company.refresh_from_db()
    assert catalog.company.ignore_case is False


def test_values_become_aliases_of_another_value(administrator_client, catalog):
    catalog.value(catalog.country, "Deutschland")
    catalog.value(catalog.country, "Allemagne")
    catalog.alias(catalog.country, "DE", "Deutschland")  # follows its value
    chosen = [catalog.values["Deutschland"].pk, catalog.values["Allemagne"].pk]
    action = {"action": "convert_into_aliases", "_selected_action": chosen}

    page = text(administrator_client.post(reverse(VALUES), action))
    assert "These values of the enumeration “Country” become aliases" in page
    assert '<option value="' + str(catalog.values["Germany"].pk) + '">Germany</option>' in page

    response = administrator_client.post(
        reverse(VALUES), {**action, "apply": "1", "target": catalog.values["Germany"].pk}, follow=True
    )
    assert "2 values converted into aliases." in text(response)
    assert not EnumerationValue.objects.filter(value__in=["Deutschland", "Allemagne"]).exists()
    converted = {
        alias.alias: (alias.value.value, alias.source)
        for alias in EnumerationAlias.objects.filter(enumeration=catalog.country).select_related("value")
    }
    assert converted == {
        "Deutschland": ("Germany", AliasSource.CONVERSION),
        "Allemagne": ("Germany", AliasSource.CONVERSION),
        "DE": ("Germany", AliasSource.OPERATOR),
    }
    recipients("country", ["Allemagne", "de"])
    cleansing.cleanse(NOW)
    assert column("country") == ["Germany", "Germany"]


def test_converting_values_of_two_enumerations_is_refused(administrator_client, catalog):
    chosen = [catalog.values["France"].pk, catalog.values["SME"].pk]
    response = administrator_client.post(
        reverse(VALUES), {"action": "convert_into_aliases", "_selected_action": chosen}, follow=True
    )
    assert "Select values of one enumeration." in text(response)
    assert EnumerationValue.objects.filter(pk__in=chosen).count() == 2


def test_alias_targets_are_edited_in_the_list_among_their_own_values(administrator_client, catalog):
    espagne = catalog.alias(catalog.country, "Espagne")
    spain = catalog.value(catalog.country, "Spain")
    page = text(administrator_client.get(reverse(ALIASES) + "?target=none"))
    assert "Espagne" in page and ">Spain</option>" in page
    assert ">SME</option>" not in page  # values of another enumeration are not offered
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": espagne.pk,
        "form-0-value": spain.pk,
        "_save": "Save",
    }
    administrator_client.post(reverse(ALIASES) + "?target=none", form)
    espagne.refresh_from_db()
    assert espagne.value == spain


def test_an_alias_of_a_value_of_another_enumeration_or_equal_to_a_value_is_refused(
    administrator_client, catalog
):
    add = reverse("admin:campaign_enumerationalias_add")
    response = administrator_client.post(
        add, {"enumeration": catalog.country.pk, "alias": "pme", "value": catalog.values["SME"].pk}
    )
    assert "Choose a value of the same enumeration." in text(response)
    response = administrator_client.post(add, {"enumeration": catalog.country.pk, "alias": " FRANCE"})
    assert "This spelling is a value of the enumeration." in text(response)
    assert not EnumerationAlias.objects.exists()


def test_cleanse_values_now_queues_a_run(administrator_client, catalog):
    response = administrator_client.post(
        reverse(ENUMERATIONS),
        {"action": "cleanse_values_now", "_selected_action": [catalog.country.pk]},
        follow=True,
    )
    assert "Alias cleansing queued (run #" in text(response)
    assert WorkflowRun.objects.filter(
        workflow__name="aliasCleansing", status=WorkflowRunStatus.QUEUED
    ).exists()


def test_cleanse_values_now_needs_an_enumeration_with_cleansing_on(administrator_client, catalog):
    catalog.company.alias_cleansing = False
    catalog.company.save()
    response = administrator_client.post(
        reverse(ENUMERATIONS),
        {"action": "cleanse_values_now", "_selected_action": [catalog.company.pk]},
        follow=True,
    )
    assert "None of the selected enumerations has alias cleansing on" in text(response)
    assert not WorkflowRun.objects.filter(workflow__name="aliasCleansing").exists()


@pytest.fixture
def cleansed_run(catalog):
    catalog.alias(catalog.country, "FR", "France")
    recipients("country", ["fr", "Fr"])
    return cleansing.cleanse(NOW).run


def test_an_administrator_reverts_a_run_after_confirming(administrator_client, cleansed_run):
    action = {"action": "revert_run", "_selected_action": [cleansed_run.pk]}
    page = text(administrator_client.post(reverse(RUNS), action))
    assert "This run (" in page and "rewrote 2 rows" in page
    assert 'id="still-aliased"' in page and "FR → France" in page
    assert column("country") == ["France", "France"]

    response = administrator_client.post(reverse(RUNS), {**action, "confirm": "1"}, follow=True)
    assert f"Run #{cleansed_run.pk} reverted: 2 rows restored, 0 kept" in text(response)
    assert column("country") == ["fr", "Fr"]
    response = administrator_client.post(reverse(RUNS), {**action, "confirm": "1"}, follow=True)
    assert "Nothing was reverted: run #" in text(response) and "already reverted" in text(response)


def test_a_supervisor_reads_runs_but_cannot_revert(client, supervisor, cleansed_run):
    client.force_login(supervisor)
    changelist = text(client.get(reverse(RUNS)))
    assert f"#{cleansed_run.pk}" in changelist and 'value="revert_run"' not in changelist
    detail = text(client.get(reverse("admin:aliases_cleansingrun_change", args=[cleansed_run.pk])))
    assert "campaign.Recipient.country (enumeration country): 0 values collected, 2 rows rewritten" in detail
    assert reverse("aliases:run_changes_csv", args=[cleansed_run.pk]) in detail
    client.post(
        reverse(RUNS), {"action": "revert_run", "_selected_action": [cleansed_run.pk], "confirm": "1"}
    )
    cleansed_run.refresh_from_db()
    assert cleansed_run.status == RunStatus.APPLIED and column("country") == ["France", "France"]
    assert CleansingRun.objects.count() == 1
