"""Alias cleansing in Chromium: reached through the explorer, the runs chart drawn by
Chart.js, the page and the aliases list fitting 1,280 px in English and French, a run
reverted through the admin action, and the recipient form replacing an alias."""

import re

import pytest
from playwright.sync_api import expect

from campaign.aliases import cleansing
from campaign.models import Recipient

from .conftest import NOW, Catalog, column, recipients

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH = 1280


def fits(page):
    """No horizontal scrolling at 1,280 px."""
    return page.evaluate("document.documentElement.scrollWidth") <= WIDTH


@pytest.fixture
def history():
    catalog = Catalog()
    catalog.alias(catalog.country, "FR", "France")
    catalog.alias(catalog.company, "pme", "SME")
    recipients("country", ["fr", "FR ", "Espagne", "a very long spelling that nobody recognises " * 2])
    recipients("company_type", ["pme", "Start-up"])
    run = cleansing.cleanse(NOW).run
    return catalog, run


@pytest.mark.parametrize("language", ["en-GB", "fr-FR"])
def test_the_screen_fits_and_draws_its_chart(browser, live_server, make_operator, history, language):
    make_operator("sam", groups=["Workflow supervisors"], password="secret-pw-1")
    context = browser.new_context(locale=language, viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", "secret-pw-1")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))

    platform = "Plateforme" if language.startswith("fr") else "Platform"
    entry = "Gestion des alias" if language.startswith("fr") else "Alias cleansing"
    page.locator("#nav-sidebar summary", has_text=platform).click()
    page.locator("#nav-sidebar a", has_text=entry).click()
    page.wait_for_url(re.compile(r"/admin/aliases/$"))

    page.wait_for_function("window.aliasCleansingChart !== undefined")
    assert page.evaluate("window.aliasCleansingChart.data.datasets[0].data") == [3]
    expect(page.locator("#untargeted")).to_contain_text("Espagne")
    page.locator("#show-preview").click()
    expect(page.locator("#preview")).to_contain_text("campaign.Recipient.country")
    assert fits(page)
    page.screenshot(path=f"/tmp/alias-cleansing-{language}.png", full_page=True)
    context.close()


@pytest.mark.parametrize("language", ["en-GB", "fr-FR"])
def test_every_page_of_enumerations_and_alias_cleansing_fits(
    browser, live_server, make_operator, history, language
):
    catalog, run = history
    make_operator("ada", groups=["Administrators"], password="secret-pw-1")
    context = browser.new_context(locale=language, viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "secret-pw-1")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    pages = [
        "/admin/aliases/?preview=1",
        "/admin/campaign/enumeration/",
        f"/admin/campaign/enumeration/{catalog.country.pk}/change/",
        "/admin/campaign/enumerationvalue/",
        "/admin/campaign/enumerationalias/",
        f"/admin/campaign/enumerationalias/{catalog.country.aliases.first().pk}/change/",
        "/admin/aliases/cleansingrun/",
        f"/admin/aliases/cleansingrun/{run.pk}/change/",
        "/admin/campaign/recipient/add/",
    ]
    too_wide = {}
    for path in pages:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > WIDTH:
            too_wide[path] = width
    # The two intermediate pages of the admin actions.
    page.goto(
        live_server.url
        + "/admin/campaign/enumerationvalue/?enumeration__id__exact="
        + str(catalog.country.pk)
    )
    page.locator('input[name="_selected_action"]').first.check()
    page.select_option('select[name="action"]', "convert_into_aliases")
    page.locator('button[name="index"]').click()
    expect(page.locator("#convert-values")).to_be_visible()
    if not fits(page):
        too_wide["convert values"] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(live_server.url + "/admin/aliases/cleansingrun/")
    page.locator(f'input[name="_selected_action"][value="{run.pk}"]').check()
    page.select_option('select[name="action"]', "revert_run")
    page.locator('button[name="index"]').click()
    expect(page.locator("#revert-run")).to_be_visible()
    if not fits(page):
        too_wide["revert run"] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert too_wide == {}


def test_an_administrator_reverts_a_run_and_edits_a_target(page, log_in, make_operator, history):
    catalog, run = history
    make_operator("ada", groups=["Administrators"], password="secret-pw-1")
    page.set_viewport_size({"width": WIDTH, "height": 900})
    log_in(page, "ada", "secret-pw-1")

    page.goto(page.url + "aliases/cleansingrun/")
    page.locator(f'input[name="_selected_action"][value="{run.pk}"]').check()
    page.select_option('select[name="action"]', "revert_run")
    page.locator('button[name="index"]').click()
    expect(page.locator("#still-aliased")).to_contain_text("FR → France")
    page.locator('input[type=submit][value="Revert this run"]').click()
    expect(page.locator(".messagelist")).to_contain_text(f"Run #{run.pk} reverted: 3 rows restored, 0 kept")
    assert column("country")[:2] == ["fr", "FR "]

    # The waiting spelling gets a target in the aliases list, among its own values.
    page.goto(page.url.split("/admin/")[0] + "/admin/campaign/enumerationalias/?target=none")
    row = page.locator("tr", has_text="Espagne")
    assert "SME" not in row.locator("select").inner_text()
    row.locator("select").select_option(label="Germany")
    page.locator('input[name="_save"]').click()
    expect(page.locator(".messagelist")).to_be_visible()
    assert fits(page)
    assert catalog.country.aliases.get(alias="Espagne").value.value == "Germany"


def test_the_recipient_form_replaces_an_alias_and_confirms_a_new_value(page, log_in, make_operator, history):
    make_operator("ada", groups=["Administrators"], password="secret-pw-1")
    page.set_viewport_size({"width": WIDTH, "height": 900})
    log_in(page, "ada", "secret-pw-1")
    page.goto(page.url + "campaign/recipient/add/")
    page.fill("#id_email", "new@example.com")
    page.fill("#id_created_at_0", "2026-03-01")
    page.fill("#id_created_at_1", "10:00:00")
    page.fill("#id_country", "Schweiz")
    page.fill("#id_company_type", "pme")
    page.locator('input[name="_save"]').click()
    expect(page.locator(".errorlist")).to_contain_text("“Schweiz” is not a value of “Country” yet")
    page.locator("#id_confirm_new_values").check()
    page.locator('input[name="_save"]').click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Company type: “pme” was replaced by its value “SME”."
    )
    recipient = Recipient.objects.get(email="new@example.com")
    assert (recipient.country, recipient.company_type) == ("Schweiz", "SME")
