"""Test settings: the main settings with fast hashing and a locmem mailbox.

Tests that start real worker/beat processes pass those processes the test database
(tests/live.py); the broker comes from CELERY_BROKER_URL as in development."""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
