"""Customer metrics in Chromium: reached through the explorer tree, the numbers, the
chart drawn by Chart.js, the 1-year switch, and the CSV export downloaded."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign import configuration
from reporting import activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_report_reader_reads_customer_metrics(page, live_server, log_in, make_operator, world, settings):
    configuration.save({"reporting.active_profiles_allowance": 20}, None)
    make_operator("rita", groups=["Report readers"], password="secret-pw-1")
    now = timezone.now()
    ids = world.recipients(25)
    world.logs(world.delivery(), ids[:12], now - timedelta(days=40))
    world.logs(world.delivery("sms"), ids[10:19], now - timedelta(days=2))
    for days_ago in (20, 3, 0):  # three daily snapshots in the last 30 days, one older
        moment = now - timedelta(days=days_ago, minutes=1)
        activity.bring_up_to_date(moment, 12)
        activity.snapshot(moment, 12)

    page.set_viewport_size({"width": 1400, "height": 900})
    log_in(page, "rita", "secret-pw-1")
    page.locator("#nav-sidebar summary", has_text="Campaign Management").click()
    page.locator("#nav-sidebar a", has_text="Customer metrics").click()
    page.wait_for_url(re.compile(r"/metrics/$"))

    expect(page.locator("#active-total")).to_have_text("19")
    expect(page.locator("#profiles-total")).to_have_text("25")
    expect(page.locator('#per-table tr[data-table="recipient"] td.active')).to_have_text("19")
    expect(page.locator('#per-channel tr[data-channel="email"] td.active')).to_have_text("12")
    expect(page.locator('#per-channel tr[data-channel="sms"] td.active')).to_have_text("9")
    expect(page.locator("#allowance")).to_have_attribute("data-level", "warning")  # 19 of 20 = 95 %
    expect(page.locator("#definition")).to_contain_text("Facebook, Twitter")
    expect(page.locator("form#recount")).to_have_count(0)  # readers may not recount

    # Chart.js drew the 30-day series: one point per day.
    page.wait_for_function("window.activeProfilesChart !== undefined")
    assert page.evaluate("window.activeProfilesChart.data.datasets[0].data") == [12, 12, 19]
    assert page.locator("#active-chart").bounding_box()["height"] > 100
    page.screenshot(path="/tmp/customer-metrics.png", full_page=True)

    page.locator("a", has_text="1 year").click()
    page.wait_for_url(re.compile(r"range=1y"))
    page.wait_for_function("window.activeProfilesChart !== undefined")
    assert len(page.evaluate("window.activeProfilesChart.data.labels")) == 3

    with page.expect_download() as download_info:
        page.locator("#csv-export").click()
    download = download_info.value
    assert download.suggested_filename == "active-profile-snapshots.csv"
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert [row["active_profiles"] for row in rows] == ["12", "12", "19"]


def test_a_single_count_is_a_bar_with_a_note_and_numbers_follow_the_language(
    page, live_server, log_in, make_operator, world
):
    make_operator("rita", groups=["Report readers"], password="secret-pw-1")
    ids = world.recipients(1234)
    world.logs(world.delivery(), ids, timezone.now() - timedelta(days=2))
    activity.bring_up_to_date(timezone.now(), 12)
    activity.snapshot(timezone.now(), 12)
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    log_in(page, "rita", "secret-pw-1")
    page.goto(live_server.url + "/admin/reporting/metrics/")
    page.wait_for_function("window.activeProfilesChart !== undefined")
    assert page.evaluate("window.activeProfilesChart.config.type") == "bar"
    expect(page.locator(".chart-note")).to_have_text(
        "Un seul comptage pour l’instant : une courbe a besoin de deux jours."
    )
    assert page.evaluate("window.activeProfilesChart.options.locale") == "fr"
    expect(page.locator("#active-total")).to_have_text("1\u202f234")
