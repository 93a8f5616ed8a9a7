"""The provisional calendar in Chromium: reached through the explorer, month and week
views with volumes, totals and an overrun, the chart drawn by Chart.js, navigation,
the CSV download, and both languages fitting 1,280 px without horizontal scrolling."""

import csv
import io
import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.forecasting.choices import Recurrence

from .conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_delivery_operator_reads_the_provisional_calendar(page, live_server, log_in, make_operator):
    world = World()
    make_operator("olga", groups=["Delivery operators"], password="secret-pw-1")
    today = timezone.localdate()
    # Two days ahead, within this month when possible (else the next month's view is used).
    day = today + timedelta(days=2)
    planned = timezone.make_aware(datetime.combine(day, time(10)))
    people = world.recipients(6)
    world.pressure(max_messages=1, period_days=2, channel="email", label="One email in two days")
    world.capacity(5, channel="sms", recurrence=Recurrence.EVERY_DAY, label="SMS gateway")
    world.delivery(
        "Spring newsletter with a rather long label that must not widen the page", planned, weight=2
    )
    world.delivery(
        "Spring reminder", planned + timedelta(hours=4), target_list=world.recipient_list("VIP", people[:3])
    )
    world.delivery("Flash sale", planned, channel="sms")
    world.forecast(now=timezone.now())

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "olga", "secret-pw-1")
    page.locator("#nav-sidebar a", has_text="Provisional calendar").click()
    page.wait_for_url(re.compile(r"/admin/forecasting/calendar/$"))
    if day.month != today.month:
        page.locator("#calendar-next").click()
        page.wait_for_url(re.compile(r"view=month"))

    cell = page.locator(f'td.day[data-day="{day.isoformat()}"]')
    expect(cell.locator("li.entry")).to_have_count(3)
    expect(cell.locator('li.entry[data-status="forecast"]')).to_have_count(3)
    expect(cell.locator("li.entry", has_text="Spring reminder").locator(".volume")).to_have_attribute(
        "data-value", "0"
    )
    expect(cell.locator('li.total[data-channel="email"]')).to_have_attribute("data-volume", "6")
    expect(cell.locator('li.total[data-channel="sms"]')).to_have_attribute("data-overrun", "yes")
    expect(cell).to_have_class(re.compile(r"\boverrun\b"))
    expect(page.locator("#overrun-banner")).to_contain_text("1 capacity overrun")
    assert no_horizontal_scroll(page)

    page.wait_for_function("window.provisionalCalendarChart !== undefined")
    datasets = page.evaluate(
        "window.provisionalCalendarChart.data.datasets.map(d => [d.label, Math.max(...d.data)])"
    )
    assert sorted(datasets) == [["Email", 6], ["SMS", 6]]
    page.screenshot(path="/tmp/provisional-calendar-month.png", full_page=True)

    with page.expect_download() as download_info:
        page.locator("#csv-export").click()
    rows = list(csv.DictReader(io.StringIO(open(download_info.value.path(), encoding="utf-8").read())))
    assert {row["delivery"]: row["messages_forecast"] for row in rows} == {
        "Spring newsletter with a rather long label that must not widen the page": "6",
        "Spring reminder": "0",
        "Flash sale": "6",
    }

    page.locator("#view-week").click()
    page.wait_for_url(re.compile(r"view=week"))
    expect(page.locator("td.day")).to_have_count(7)
    reminder = page.locator(f'td.day[data-day="{day.isoformat()}"] li.entry', has_text="Spring reminder")
    expect(reminder.locator("dd.excluded")).to_have_attribute("data-value", "3")
    expect(reminder).to_contain_text("One email in two days")
    assert no_horizontal_scroll(page)
    page.screenshot(path="/tmp/provisional-calendar-week.png", full_page=True)

    page.locator("#calendar-next").click()
    page.wait_for_url(re.compile(r"view=week"))
    expect(page.locator("li.entry")).to_have_count(0)
    page.locator("#calendar-previous").click()
    expect(page.locator("li.entry")).to_have_count(3)

    page.select_option("#language-switch", "fr")
    page.locator("form.language-switch button").click()
    expect(page.locator("#calendar-title")).to_contain_text("Semaine du")
    expect(reminder).to_contain_text("Exclus")
    assert no_horizontal_scroll(page)
    page.goto(f"{live_server.url}/admin/forecasting/calendar/?view=month&date={day.isoformat()}")
    expect(page.locator("#overrun-banner")).to_contain_text("dépassement de capacité")
    assert no_horizontal_scroll(page)
    page.screenshot(path="/tmp/provisional-calendar-month-fr.png", full_page=True)
