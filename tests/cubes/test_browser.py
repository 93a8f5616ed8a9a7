"""The cube report pages and the intake keys page in Chromium: reached through the
explorer, the figures, the chart drawn by Chart.js, the ready-made views, the CSV
downloaded; 1,280 px wide without horizontal scrolling, in English and in French."""

import csv
import io
import json
import re
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.choices import EventStatus
from offers.choices import PropositionStatus
from reporting.cubes import aggregates
from reporting.cubes.definitions import MESSAGE_CENTER, PROPOSITIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def built(cube_world):
    now = timezone.now()
    offers = cube_world.catalog()
    newsletter = cube_world.delivery("Spring newsletter with a rather long label to wrap")
    for days in range(0, 30, 2):
        moment = now - timedelta(days=days, hours=1)
        cube_world.propositions(offers[0], [moment] * 5, PropositionStatus.ACCEPTED, delivery=newsletter)
        cube_world.propositions(
            offers[1], [moment] * 3, PropositionStatus.REJECTED, space=cube_world.spaces[0]
        )
    order, reset = cube_world.event_type(), cube_world.event_type("password_reset", "Password reset")
    times = [now - timedelta(days=days) for days in range(30)]
    cube_world.archived(order, times * 3, EventStatus.SENT, processing=[2.0, 5.0])
    cube_world.archived(reset, times[:10], EventStatus.FAILED, channel="sms", processing=[40.0])
    aggregates.rebuild(PROPOSITIONS, now)
    aggregates.rebuild(MESSAGE_CENTER, now)
    return cube_world


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_report_reader_reads_the_offer_analysis(page, live_server, log_in, make_operator, built):
    make_operator("rita", groups=["Report readers"], password="secret-pw-1")
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "rita", "secret-pw-1")
    # Reports is a top-level folder of the explorer: open from the start.
    expect(page.locator("#nav-sidebar details", has_text="Offer analysis").first).to_have_attribute(
        "open", ""
    )
    page.locator("#nav-sidebar a", has_text="Offer analysis").click()
    page.wait_for_url(re.compile(r"/admin/cubes/propositions/$"))

    expect(page.locator("#report-source")).to_have_attribute("data-source", "aggregate")
    expect(page.locator("#report-source")).to_contain_text("Read from the aggregate built on")
    expect(page.locator("#pivot-total td[data-measure=accepted]")).to_have_text("75")
    expect(page.locator("#pivot-total td[data-measure=rejected]")).to_have_text("45")
    expect(page.locator("#pivot thead")).to_contain_text("Offer space")
    page.wait_for_function("window.cubeReportChart !== undefined")
    assert page.evaluate("window.cubeReportChart.config.type") == "line"
    assert page.locator("#report-chart").bounding_box()["height"] > 100
    assert no_horizontal_scroll(page)
    page.screenshot(path="/tmp/cubes-offer-analysis.png", full_page=True)

    # Another ready-made view, then a selection of one's own through the form.
    page.locator("#report-views a", has_text="Acceptance by offer").click()
    page.wait_for_url(re.compile(r"view=acceptance_by_offer"))
    expect(page.locator("#pivot tbody tr").first).to_contain_text("offer-0")
    page.locator("#id_level").select_option("")
    page.locator("input[name=dimensions][value=channel]").check()
    page.locator("input[name=dimensions][value=offer]").uncheck()
    page.locator("#report-form input[type=submit]").click()
    page.wait_for_url(re.compile(r"show="))
    expect(page.locator("#pivot thead")).to_contain_text("Channel")
    assert page.evaluate("window.cubeReportChart.config.type") == "bar"

    with page.expect_download() as download_info:
        page.locator("#csv-export").click()
    rows = list(csv.reader(io.StringIO(open(download_info.value.path(), encoding="utf-8").read())))
    assert rows[0][:2] == ["channel", "channel_id"]
    assert sum(int(row[2]) for row in rows[1:]) == 15 * 8


def test_the_message_center_report_in_french(page, live_server, log_in, make_operator, built):
    make_operator("rita", groups=["Report readers"], password="secret-pw-1")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    log_in(page, "rita", "secret-pw-1")
    page.goto(f"{live_server.url}/admin/cubes/message-center/")

    expect(page.locator("#report-source")).to_have_attribute("data-source", "aggregate")
    expect(page.locator("#report-source")).to_contain_text("Lu dans l’agrégat")
    expect(page.locator("#pivot-total td[data-measure=events]")).to_have_text("100")
    expect(page.locator("#pivot-total td[data-measure=sent]")).to_have_text("90")
    page.wait_for_function("window.cubeReportChart !== undefined")
    assert page.evaluate("window.cubeReportChart.data.datasets.length") == 2
    assert no_horizontal_scroll(page)
    page.screenshot(path="/tmp/cubes-message-center-fr.png", full_page=True)

    page.locator("#report-views a[data-view=processing_time]").click()
    expect(page.locator("#report-source")).to_have_attribute("data-source", "facts")
    expect(page.locator("#report-source")).to_contain_text("Lu dans la table de faits")
    expect(page.locator("#pivot-total td[data-measure=processing_time]")).to_contain_text("s")
    assert no_horizontal_scroll(page)


def test_an_administrator_issues_a_key_that_the_intake_accepts(
    page, live_server, log_in, administrator, built
):
    administrator.set_password("admin-pw-1")
    administrator.save()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, "alice", "admin-pw-1")
    page.goto(f"{live_server.url}/admin/cubes/intake-keys/")
    page.fill("#id_name", "Web shop")
    page.locator("#issue-key-form input[type=submit]").click()
    secret = page.locator("#new-secret").inner_text().strip()
    assert secret.startswith("mc_")
    assert no_horizontal_scroll(page)

    body = json.dumps({"type": "order_confirmation", "email": "ann@example.com"}).encode()
    request = urllib.request.Request(
        f"{live_server.url}/p/cubes/events/",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 201
        assert len(json.loads(response.read())["ids"]) == 1

    page.locator("#keys form.revoke-form input[type=submit]").click()
    expect(page.locator("#keys tr[data-key] td.state")).to_contain_text("revoked")
