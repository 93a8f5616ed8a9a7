"""The signing-key checks: production with tracking on needs its own key
(tracking.E001); production settings that say nothing of tracking pass check --deploy."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings

from campaign.tracking.checks import tracking_settings_check

SECRET = "s" * 64


def errors():
    return [(error.id, error.msg) for error in tracking_settings_check(None)]


def test_development_needs_nothing(settings):
    settings.PRODUCTION = False
    settings.TRACKING_SIGNING_KEY = ""
    assert errors() == []


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "TRACKING_SIGNING_KEY is not set"),
        ("short", "32 characters or more"),
        (SECRET, "must differ from SECRET_KEY"),
    ],
)
def test_production_with_tracking_on_needs_a_key_of_its_own(settings, key, problem):
    settings.PRODUCTION = True
    settings.SECRET_KEY = SECRET
    settings.TRACKING_ENABLED = True
    settings.TRACKING_SIGNING_KEY = key
    found = errors()
    assert [error_id for error_id, _msg in found] == ["tracking.E001"]
    assert problem in found[0][1]


def test_production_with_tracking_off_or_a_good_key_passes(settings):
    settings.PRODUCTION = True
    settings.SECRET_KEY = SECRET
    settings.TRACKING_ENABLED = False
    settings.TRACKING_SIGNING_KEY = ""
    assert errors() == []
    settings.TRACKING_ENABLED = True
    settings.TRACKING_SIGNING_KEY = "k" * 40
    assert errors() == []


def test_a_bad_setting_is_reported(settings):
    settings.TRACKING_BASE_URL = "t.example.com"
    assert [error_id for error_id, _msg in errors()] == ["tracking.E002"]


def run_check(**env):
    """CI's line (DJANGO_ENV=production SECRET_KEY=<random> ALLOWED_HOSTS=example.com
    manage.py check --deploy), with tracking's checks only: the others are not ours."""
    dropped = ("TRACKING_", "DJANGO_", "DATABASE_URL", "CELERY_", "SECRET_KEY")
    base = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    secret = secrets.token_urlsafe(48)
    base.update(DJANGO_ENV="production", SECRET_KEY=secret, ALLOWED_HOSTS="example.com", **env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING", "--tag", "tracking"],
        cwd=django_settings.BASE_DIR,
        env=base,
        capture_output=True,
        text=True,
    )


@pytest.mark.slow  # starts a process
def test_check_deploy_passes_with_cis_production_environment():
    done = run_check()
    assert done.returncode == 0, done.stderr


@pytest.mark.slow  # starts a process
def test_check_deploy_fails_when_tracking_is_turned_on_without_a_key():
    done = run_check(TRACKING_ENABLED="true")
    assert done.returncode != 0
    assert "tracking.E001" in done.stderr
