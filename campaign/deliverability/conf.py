"""The deliverability settings, read in one place: the settings an administrator edits
on the Settings screen (declared in contributions.py) and, for the IMAP mailbox, one
environment variable (a password does not belong in the settings store)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from campaign import configuration

from .quarantine import QuarantinePolicy

APP = "deliverability"
KEYS = (
    "installed",
    "feed_url",
    "feed_timeout_seconds",
    "feed_max_kilobytes",
    "max_errors",
    "significant_error_hours",
    "bounce_maildir",
)
IMAP_VARIABLE = "DELIVERABILITY_IMAP_URL"


@dataclass(frozen=True)
class DeliverabilitySettings:
    installed: bool = False
    feed_url: str = ""
    feed_timeout_seconds: int = 30
    feed_max_kilobytes: int = 5120
    max_errors: int = 5
    significant_error_hours: int = 24
    bounce_maildir: str = ""

    @classmethod
    def load(cls) -> DeliverabilitySettings:
        stored = configuration.values([f"{APP}.{key}" for key in KEYS])
        found = {key: stored[f"{APP}.{key}"] for key in KEYS}
        return cls(**{key: value for key, value in found.items() if value is not None})

    @property
    def policy(self) -> QuarantinePolicy:
        return QuarantinePolicy(
            max_errors=self.max_errors, significant_delay=timedelta(hours=self.significant_error_hours)
        )

    @property
    def feed_max_bytes(self) -> int:
        return self.feed_max_kilobytes * 1024


@dataclass(frozen=True)
class ImapMailbox:
    """imaps://user:password@host:993/INBOX (or imap:// for a local server without TLS)."""

    host: str
    port: int
    user: str
    password: str
    folder: str
    tls: bool

    @property
    def label(self) -> str:
        return f"imap{'s' if self.tls else ''}://{self.user}@{self.host}:{self.port}/{self.folder}"


def imap_mailbox(url: str | None = None) -> ImapMailbox | None:
    """The IMAP mailbox of DELIVERABILITY_IMAP_URL (or `url`), or None when unset."""
    url = os.environ.get(IMAP_VARIABLE, "") if url is None else url
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ImproperlyConfigured(f"{IMAP_VARIABLE} must look like imaps://user:password@host:993/INBOX")
    try:
        port = parts.port or (993 if parts.scheme == "imaps" else 143)
    except ValueError:
        raise ImproperlyConfigured(f"{IMAP_VARIABLE}: the port is not a number") from None
    return ImapMailbox(
        host=parts.hostname,
        port=port,
        user=unquote(parts.username),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        tls=parts.scheme == "imaps",
    )
