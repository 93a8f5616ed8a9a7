"""The operations home page in Chromium, as an administrator and as a report reader."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_lands_on_the_operations_home_page(page, live_server, make_operator, world):
    make_operator("alice", groups=["Administrators"], password="secret-pw-1", is_superuser=True)
    page.goto(live_server.url + "/admin/login/")  # no "next": the login lands on the home page
    page.fill("#id_username", "alice")
    page.fill("#id_password", "secret-pw-1")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    expect(page.locator("h1")).to_have_text("Operations")
    for key in ("workflows", "beat", "cleanup", "billing", "workflow_changes"):
        expect(page.locator(f'[data-block="{key}"]')).to_be_visible()
    expect(page.locator("#beat-status")).to_have_attribute("data-state", "dead")
    page.locator("#count-cleanup input[type=submit]").click()
    expect(page.locator(".messagelist")).to_contain_text("Cleanup dry run counted")
    expect(page.locator("#home-cleanup-preview")).to_be_visible()
    page.locator("a", has_text="All applications and models").click()
    expect(page.locator("h1")).to_have_text("Applications and models")


def test_a_report_reader_sees_the_active_profiles_and_nothing_else(page, live_server, log_in, make_operator):
    make_operator("rita", groups=["Report readers"], password="secret-pw-1")
    log_in(page, "rita", "secret-pw-1")
    expect(page.locator('[data-block="active_profiles"]')).to_be_visible()
    for key in ("workflows", "beat", "cleanup", "billing", "workflow_changes"):
        expect(page.locator(f'[data-block="{key}"]')).to_have_count(0)
    expect(page.locator("#count-cleanup")).to_have_count(0)
