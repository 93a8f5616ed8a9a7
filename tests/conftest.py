"""Shared fixtures: operators with roles, and Chromium for the browser tests."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM is used beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def world(db):
    """The shared builder of test data (tests/builders.py)."""
    from tests.builders import World

    return World()


@pytest.fixture
def make_operator(db, django_user_model):
    """Create a staff operator in the given groups (by name)."""
    from django.contrib.auth.models import Group

    def make(username="operator", groups=(), email="", password="pw", **extra):
        user = django_user_model.objects.create_user(
            username=username, email=email, password=password, is_staff=True, **extra
        )
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        return user

    return make


@pytest.fixture
def administrator(make_operator):
    return make_operator("alice", groups=["Administrators"], email="alice@example.com")


@pytest.fixture
def administrator_client(client, administrator):
    """The test client, logged in as the administrator."""
    client.force_login(administrator)
    return client


@pytest.fixture
def supervisor(make_operator):
    return make_operator("sam", groups=["Workflow supervisors"], email="sam@example.com")


# --- Real worker and beat processes (tests marked `live`) -----------------------------
# Session-scoped, so one worker serves every live test (tests/live.py).
from tests.live import barrier, live_dir, live_worker  # noqa: E402, F401


def _on_postgresql():
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On PostgreSQL (CI's reference database) nothing may be skipped: a skip fails."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _on_postgresql() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"Skipped on PostgreSQL, where nothing may be skipped: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    report = outcome.get_result()
    if report.skipped and _on_postgresql():
        report.outcome = "failed"
        report.longrepr = f"Module skipped on PostgreSQL, where nothing may be skipped: {report.longrepr}"


@pytest.fixture
def log_in(live_server):
    """Log a browser page in through the admin login form; lands on the admin index."""
    import re

    from django.urls import reverse

    def log_in(page, username, password):
        page.goto(live_server.url + reverse("admin:login"))
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/$"))

    return log_in
