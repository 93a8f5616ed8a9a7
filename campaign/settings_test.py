"""Test settings: the main settings with fast hashing and a locmem mailbox.

Tests that start real worker/beat processes pass those processes the test database
(tests/live.py); the broker comes from CELERY_BROKER_URL as in development."""

import os

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"

# Test-only workflows (testBarrier, testSleep) for the tests with real worker and beat
# processes; those processes use these settings too (tests/live.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.fixture_workflows", "tests.plugin_probe"]  # noqa: F405

# Tests get their own filesystem broker folder unless CELERY_BROKER_DIR names one, so a
# worker of `make run` never takes a test's task (and runs it on the development database).
if CELERY_BROKER_URL.startswith("filesystem://") and not os.environ.get("CELERY_BROKER_DIR"):  # noqa: F405
    BROKER_DIR = VAR_DIR / "broker-test"  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker(BROKER_DIR)  # noqa: F405

# A hit is written by its request (tests read it at once); tests of the buffer turn it on.
TRACKING_HIT_BUFFER_MS = 0
