"""Forms that edit a bound field (the core's recipient form, in the admin): a closed
enumeration accepts its values only, an open one a new value once confirmed, and an
alias is replaced by its value at once."""

import pytest
from django.urls import reverse

from campaign.forms import RecipientForm
from campaign.models import EnumerationAlias, EnumerationValue, Recipient

pytestmark = pytest.mark.django_db

ADD = "admin:campaign_recipient_add"


def data(**fields):
    base = {
        "email": "new@example.com",
        "phone": "",
        "first_name": "",
        "last_name": "",
        "country": "",
        "company_type": "",
        "created_at_0": "2026-03-01",
        "created_at_1": "10:00:00",
        "created_at": "2026-03-01 10:00:00",  # the plain form; the admin splits it
    }
    return {**base, **fields}


def errors(form):
    return {name: [str(error) for error in errors] for name, errors in form.errors.items()}


def test_an_alias_is_replaced_by_its_value_and_a_variant_by_the_value_spelling(catalog):
    catalog.alias(catalog.country, "FR", "France")
    catalog.alias(catalog.company, "pme", "SME")
    form = RecipientForm(data(country="  fr ", company_type="pme"))
    assert form.is_valid(), errors(form)
    recipient = form.save()
    assert (recipient.country, recipient.company_type) == ("France", "SME")
    assert sorted(name for name, _typed, _value in form.replaced) == ["company_type", "country"]
    form = RecipientForm(data(country="GERMANY"))
    assert form.is_valid() and form.cleaned_data["country"] == "Germany"


def test_a_closed_enumeration_refuses_any_other_value(catalog):
    form = RecipientForm(data(company_type="sme", confirm_new_values="on"))  # matched exactly: "SME" only
    assert not form.is_valid()
    assert errors(form)["company_type"] == ["“sme” is not a value of the closed enumeration “Company type”."]
    assert not Recipient.objects.exists()


def test_an_open_enumeration_adds_a_new_value_once_confirmed(catalog):
    catalog.alias(catalog.country, "Espana")  # collected earlier, no target yet
    form = RecipientForm(data(country=" Espana "))
    assert not form.is_valid()
    assert "is not a value of “Country” yet" in errors(form)["country"][0]
    assert not EnumerationValue.objects.filter(value="Espana").exists()

    form = RecipientForm(data(country=" Espana ", confirm_new_values="on"))
    assert form.is_valid(), errors(form)
    assert form.save().country == "Espana"
    assert EnumerationValue.objects.filter(enumeration=catalog.country, value="Espana").exists()
    # The spelling waiting for a target is a value now: it left the alias list.
    assert not EnumerationAlias.objects.filter(alias="Espana").exists()


def test_a_blank_bound_field_stays_allowed(catalog):
    form = RecipientForm(data())
    assert form.is_valid(), errors(form)


def test_the_admin_form_suggests_the_values_and_says_what_it_replaced(administrator_client, catalog):
    catalog.alias(catalog.country, "FR", "France")
    page = administrator_client.get(reverse(ADD)).content.decode()
    assert 'list="id_country-values"' in page and '<option value="United Kingdom">' in page
    assert 'name="confirm_new_values"' in page

    response = administrator_client.post(reverse(ADD), data(country="fr"), follow=True)
    assert "Country: “fr” was replaced by its value “France”." in response.content.decode()
    assert Recipient.objects.get().country == "France"

    response = administrator_client.post(reverse(ADD), data(email="x@example.com", company_type="Mega"))
    assert (
        response.status_code == 200
        and "is not a value of the closed enumeration" in response.content.decode()
    )
    assert Recipient.objects.count() == 1
