"""In Chromium, with a real worker: an offer manager approves an offer (content, then
eligibility) and it appears in live within a minute, deployed by an offerMgt run the
approval queued through the engine. The offer pages fit 1,280 px in English and French."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from offers.choices import OfferStatus
from offers.models import Offer
from tests import live
from workflows.api import RunStatus, Trigger, WorkflowRun

from .conftest import Catalog

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.django_db(transaction=True)]

PASSWORD = "secret-pw-1"


def fits(page, width=1280):
    return page.evaluate("document.documentElement.scrollWidth") <= width


def test_an_offer_manager_approves_an_offer_and_it_appears_in_live(
    page, live_server, log_in, live_worker, make_operator
):
    manager = make_operator("olga", groups=["Offer managers"], password=PASSWORD)
    catalog = Catalog(manager)
    banner = catalog.space("Email banner")
    offer = catalog.offer(
        "spring-sale",
        catalog.category("Seasonal", themes="retail, spring"),
        contents=[(banner, "Twenty percent off, this week only, on every spring item of the catalogue.")],
        target={"all": [{"field": "country", "op": "in", "value": ["FR", "BE"]}]},
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "olga", PASSWORD)

    # Offers › Design environment › Offers (top-level folders are open), then the
    # offer's approval page.
    page.locator("#nav-sidebar summary", has_text="Design environment").click()
    page.locator("#nav-sidebar").get_by_role("link", name="Offers", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/offers/offer/$"))
    page.locator("#result_list a", has_text="spring-sale").click()
    page.locator("#approval-link").click()
    page.wait_for_url(re.compile(r"/approval/$"))
    expect(page.locator("#offer-status")).to_have_attribute("data-status", OfferStatus.EDITION)
    expect(page.locator("#eligibility")).to_contain_text("country in FR, BE")
    assert fits(page)

    page.locator("textarea[name=comment]").fill("Checked the wording")
    page.locator("button[data-action=approve_content]").click()
    expect(page.locator(".messagelist")).to_contain_text("Content of offer spring-sale approved")
    expect(page.locator("#content-approval")).to_have_attribute("data-state", "approved")
    page.locator("button[data-action=approve_eligibility]").click()
    expect(page.locator(".messagelist")).to_contain_text("deploys the offer to live within a minute")

    # The approval queued a run through the engine; the worker deploys the offer.
    run = live.wait_until(
        lambda: WorkflowRun.objects.filter(workflow__name="offerMgt", status=RunStatus.SUCCEEDED).first(),
        60,
        "offerMgt never deployed the approved offer",
        children=[live_worker],
    )
    assert run.trigger == Trigger.EVENT and run.triggered_by == manager
    copy = Offer.objects.active_live().get(design_offer=offer)
    assert copy.contents.get().text.startswith("Twenty percent off")

    # Live › Live offers shows it, as delivery operators see it.
    page.goto(live_server.url + reverse("admin:offers_liveoffer_changelist"))
    expect(page.locator("#result_list")).to_contain_text("spring-sale")
    page.goto(live_server.url + reverse("admin:offers_offer_approval", args=[offer.pk]))
    expect(page.locator("#offer-status")).to_have_attribute("data-status", OfferStatus.LIVE)
    expect(page.locator("#live-copy")).to_contain_text("version 1, live since")
    expect(page.locator("#audit tbody tr")).to_have_count(3)

    page.goto(live_server.url + reverse("offers:deployment"))
    expect(page.locator("#runs tr[data-status=succeeded]")).to_have_count(1)
    assert page.evaluate("typeof window.deploymentChart") == "object"  # Chart.js drew the runs

    # The Deployment page and the approval page fit 1,280 px, in English and in French.
    for language in ("en", "fr"):
        page.locator("#language-switch").select_option(language)
        page.locator(".language-switch button").click()
        for url in (
            reverse("offers:deployment"),
            reverse("admin:offers_offer_approval", args=[offer.pk]),
            reverse("admin:offers_liveoffer_change", args=[copy.pk]),
            reverse("admin:offers_proposition_changelist"),
        ):
            page.goto(live_server.url + url)
            assert fits(page), f"{url} is wider than 1,280 px in {language}"
    expect(page.locator("html")).to_have_attribute("lang", "fr")
