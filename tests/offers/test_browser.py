"""In Chromium, with a real worker: an offer manager approves an offer (content, then
eligibility) and it appears in live within a minute, deployed by an offerMgt run the
approval queued through the engine. Every offer page fits 1,280 px in English and in
French, with long texts."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from campaign.models import Channel, Delivery
from offers.choices import OfferStatus
from offers.models import Offer, Proposition
from tests import live
from workflows.api import RunStatus, Trigger, WorkflowRun, run_by_name

from .conftest import Catalog

pytestmark = pytest.mark.browser

PASSWORD = "secret-pw-1"


def fits(page, width=1280):
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
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


LONG = "A rather long label for an offer of the spring season, with many words in it. " * 2


@pytest.mark.django_db(transaction=True)
def test_every_offer_page_fits_1280_px_with_long_texts_in_english_and_french(
    page, live_server, log_in, make_operator
):
    manager = make_operator("olga", groups=["Offer managers"], password=PASSWORD)
    catalog = Catalog(manager)
    space = catalog.space("Email banner at the very top of the newsletter, for everyone")
    parent = catalog.category(
        "Seasonal offers of the year for families", themes="retail, spring, summer, families"
    )
    category = catalog.category(
        "A sub-category with a long name as well",
        parent=parent,
        target={
            "all": [
                {
                    "field": "email",
                    "op": "endswith",
                    "value": "@a-very-long-domain-name-for-the-test.example.com",
                }
            ]
        },
    )
    offers = [
        catalog.offer(
            f"spring-sale-with-a-long-code-{number}", category, label=LONG, contents=[(space, LONG * 3)]
        )
        for number in range(3)
    ]
    catalog.approve(offers[0])
    catalog.deploy()
    copy = catalog.live_copy(offers[0])
    delivery = Delivery.objects.create(
        label=LONG, channel=Channel.objects.get(code="email"), created_at=timezone.now()
    )
    Proposition.objects.create(
        offer=copy,
        space=copy.contents.get().space,
        channel=delivery.channel,
        delivery=delivery,
        profile_table="recipient",
        profile_id=123456789,
        proposed_at=timezone.now(),
    )
    run_by_name("offerMgt")
    pages = [
        reverse("admin:offers_offer_changelist"),
        reverse("admin:offers_offer_change", args=[offers[0].pk]),
        reverse("admin:offers_offer_add"),
        reverse("admin:offers_offer_approval", args=[offers[0].pk]),
        reverse("admin:offers_category_changelist"),
        reverse("admin:offers_category_change", args=[category.pk]),
        reverse("admin:offers_offerspace_changelist"),
        reverse("admin:offers_offeraudit_changelist"),
        reverse("admin:offers_liveoffer_changelist"),
        reverse("admin:offers_liveoffer_change", args=[copy.pk]),
        reverse("admin:offers_livecategory_changelist"),
        reverse("admin:offers_liveofferspace_changelist"),
        reverse("admin:offers_proposition_changelist"),
        reverse("admin:offers_environment_changelist"),
        reverse("offers:deployment"),
        reverse("admin:index"),
    ]
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "olga", PASSWORD)
    for language in ("en", "fr"):
        page.locator("#language-switch").select_option(language)
        page.locator(".language-switch button").click()
        for url in pages:
            page.goto(live_server.url + url)
            expect(page.locator("html")).to_have_attribute("lang", language)
            assert fits(page), f"{url} is wider than 1,280 px in {language}"
