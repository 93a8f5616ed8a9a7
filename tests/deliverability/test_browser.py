"""The Non deliverables management screens in Chromium: reached through the explorer,
the chart drawn by Chart.js, the rules tried on a text, and every screen fitting 1,280
pixels without horizontal scrolling, in English and in French."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.deliverability.models import InboundBounce, LogQualification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = [
    "/admin/deliverability/status/",
    "/admin/campaign/quarantine/",
    "/admin/deliverability/logqualification/",
    "/admin/deliverability/qualificationrule/",
    "/admin/deliverability/domainrule/",
    "/admin/deliverability/mxrule/",
    "/admin/deliverability/inboundbounce/",
]


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_an_administrator_uses_the_deliverability_screens(page, live_server, log_in, make_operator):
    make_operator("ada", groups=["Administrators"], password="secret-pw-1")
    now = timezone.now()
    InboundBounce.objects.create(message_key="k1", kind="bounce", recipient="a@example.com", received_at=now)
    LogQualification.objects.create(
        text_hash="0" * 64,
        text="599 a rather long unqualified bounce text " * 6,
        first_text="599 a rather long unqualified bounce text " * 6,
        failure_type="soft",
        failure_reason="unknown",
        first_seen_at=now,
        last_seen_at=now,
        updated_at=now,
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "ada", "secret-pw-1")
    page.locator("#nav-sidebar summary", has_text="Campaign Management").click()
    page.locator("#nav-sidebar summary", has_text="Non deliverables management").click()
    page.locator("#nav-sidebar a", has_text="Deliverability").first.click()
    page.wait_for_url(re.compile(r"/admin/deliverability/status/$"))
    expect(page.locator("#installed")).to_have_attribute("data-installed", "no")
    page.wait_for_function("window.bounceChart !== undefined")

    page.fill("#id_text", "452 4.2.2 Mailbox full")
    page.click("#qualify-form input[type=submit]")
    expect(page.locator("#qualified")).to_have_attribute("data-reason", "mailbox_full")

    for language in ("en", "fr"):
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        for path in SCREENS:
            page.goto(live_server.url + path)
            assert page.locator("html").get_attribute("lang") == language
            assert fits(page), f"{path} scrolls horizontally at 1280 px in {language}"
    expect(page.locator("#content h1")).to_contain_text("rebond entrant")  # the last screen, in French
