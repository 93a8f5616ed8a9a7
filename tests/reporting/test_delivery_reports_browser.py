"""The delivery report pages in Chromium: reached through the explorer, filtered with
the form, charts drawn by Chart.js, the CSV downloaded, and every page (with the
Tracking page) fitting 1,280 px without sideways scrolling, in English and French."""

import csv
import re

import pytest
from playwright.sync_api import expect

from campaign.tracking import indicators
from reporting import aggregates

from .test_aggregates import NOW, platform, tracking  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def built(platform):  # noqa: F811
    indicators.recompute(NOW)
    aggregates.rebuild(NOW)
    return platform


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_report_reader_filters_reads_and_exports_delivery_statistics(
    page, live_server, log_in, make_operator, built
):
    email, _sms = built
    make_operator("rita", groups=["Report readers"], password="secret-pw-1")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "rita", "secret-pw-1")
    page.locator("#nav-sidebar a", has_text="Delivery statistics").click()  # Campaigns is open
    page.wait_for_url(re.compile(r"/admin/reporting/deliveries/$"))
    expect(page.locator("#aggregate-built")).to_contain_text("Daily aggregates built at 2026-06-10 02:00")

    page.fill("#id_start", "2026-06-01")
    page.fill("#id_end", "2026-06-10")
    page.locator("#statistics-filters input[type=submit]").click()
    page.wait_for_url(re.compile(r"start=2026-06-01"))
    expect(page.locator(f'#deliveries tr[data-delivery="{email.pk}"] td').nth(3)).to_have_text("10")
    page.wait_for_function("window.deliveryCharts && window.deliveryCharts['daily-chart'] !== undefined")
    assert page.evaluate("window.deliveryCharts['daily-chart'].data.labels") == ["2026-06-07", "2026-06-08"]
    assert fits(page)

    with page.expect_download() as download_info:
        page.locator("#csv-export").click()
    rows = list(csv.DictReader(open(download_info.value.path(), encoding="utf-8")))
    assert sorted(int(row["targeted"]) for row in rows) == [4, 10]

    page.locator(f'#deliveries tr[data-delivery="{email.pk}"] a').click()
    page.wait_for_url(re.compile(rf"/deliveries/{email.pk}/$"))
    expect(page.locator("#indicators")).to_contain_text("Recipients who opened")
    page.wait_for_function("window.deliveryCharts && window.deliveryCharts['hourly-chart'] !== undefined")
    assert page.locator("#hourly-chart").bounding_box()["height"] > 100
    expect(page.locator("#reasons")).to_contain_text("User unknown")
    expect(page.locator("#domains")).to_contain_text("mail.example.org")
    assert fits(page)
    page.screenshot(path="/tmp/delivery-report.png", full_page=True)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_pages_fit_1280_pixels_in_english_and_french(
    page, live_server, log_in, administrator, built, language
):
    email, _sms = built
    administrator.set_password("secret-pw-2")
    administrator.save()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, administrator.username, "secret-pw-2")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    for path, marker in [
        ("/admin/reporting/deliveries/?start=2026-06-01&end=2026-06-10", "#deliveries"),
        (f"/admin/reporting/deliveries/{email.pk}/", "#links"),
        ("/admin/tracking/status/", "#tracking-status"),
    ]:
        page.goto(live_server.url + path)
        expect(page.locator(marker)).to_be_visible()
        assert page.evaluate("document.documentElement.lang") == language
        assert fits(page), f"{path} scrolls sideways in {language}"
    if language == "fr":
        expect(page.locator("#tracking-status")).to_contain_text("Dernière consolidation")
