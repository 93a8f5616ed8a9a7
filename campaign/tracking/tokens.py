"""Signed tracking tokens: what an open pixel or a click link says about its hit.

A token names the delivery, the delivery log, the tracking URL, its type and the
profile, compactly ("<delivery>.<log>.<url>.<type><table>.<profile>", numbers in base
36), signed with Django's signing (TimestampSigner, HMAC-SHA256) under a key of its own,
TRACKING_SIGNING_KEY, never SECRET_KEY: rotating one leaves the other's links working
(old tracking keys stay accepted while listed in TRACKING_SIGNING_FALLBACK_KEYS). Opens
and clicks are signed with different salts, so a click token is no pixel token.

Validity: a token records hits for TRACKING_TOKEN_MAX_AGE_DAYS (360 by default, the
tracking logs' retention) after it was issued; an older one is still authentic (its
link leads to its target) but records nothing. A forged, truncated, altered or
re-signed token (any other key) is refused.
"""

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from django.core import signing

from campaign.choices import ProfileTable, TrackingKind

from .conf import TrackingSettings, tracking_settings

KIND_CODES = {
    TrackingKind.OPEN: "o",
    TrackingKind.CLICK: "c",
    TrackingKind.OPT_OUT: "u",
    TrackingKind.MIRROR: "m",
    TrackingKind.WEB: "w",
    TrackingKind.TRANSACTION: "t",
    TrackingKind.INTERESTED: "i",
}
TABLE_CODES = {
    ProfileTable.RECIPIENT: "r",
    ProfileTable.COOKIE: "k",
    ProfileTable.CUSTOMER: "c",
    ProfileTable.MOBILE: "m",
}
KINDS = {code: kind.value for kind, code in KIND_CODES.items()}
TABLES = {code: table.value for table, code in TABLE_CODES.items()}
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


class Purpose(StrEnum):
    """Which endpoint a token is for: each has its own salt."""

    OPEN = "open"
    CLICK = "click"


class TrackingDisabled(Exception):
    """Tracking is off (TRACKING_ENABLED) or has no signing key: no link can be made."""


@dataclass(frozen=True)
class Hit:
    """What a token says: the fields of the raw hit its endpoint appends."""

    delivery_id: int
    delivery_log_id: int | None
    url_id: int
    kind: str
    profile_table: str
    profile_id: int

    @property
    def purpose(self):
        return Purpose.OPEN if self.kind == TrackingKind.OPEN else Purpose.CLICK


@dataclass(frozen=True)
class Reading:
    """An authentic token: its hit, and whether it is still young enough to record it."""

    hit: Hit
    fresh: bool


def _base36(number):
    if number < 0:
        raise ValueError("negative id")
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = DIGITS[digit] + text
        if not number:
            return text


def _encode(hit: Hit):
    return ".".join(
        [
            _base36(hit.delivery_id),
            _base36(hit.delivery_log_id or 0),
            _base36(hit.url_id),
            KIND_CODES[TrackingKind(hit.kind)] + TABLE_CODES[ProfileTable(hit.profile_table)],
            _base36(hit.profile_id),
        ]
    )


def _decode(payload):
    """The Hit of a payload, or None when it is not one (never raises)."""
    parts = payload.split(".")
    if len(parts) != 5 or len(parts[3]) != 2:
        return None
    try:
        delivery, log, url, profile = (int(part, 36) for part in (*parts[:3], parts[4]))
    except ValueError:
        return None
    kind, table = KINDS.get(parts[3][0]), TABLES.get(parts[3][1])
    if kind is None or table is None:
        return None
    return Hit(delivery, log or None, url, kind, table, profile)


def _signer(purpose: Purpose, conf: TrackingSettings):
    if not conf.signing_key:
        raise TrackingDisabled("TRACKING_SIGNING_KEY is not set: tracking tokens cannot be signed or read")
    return signing.TimestampSigner(
        key=conf.signing_key,
        fallback_keys=list(conf.fallback_keys),
        salt=f"campaign.tracking.{purpose}",
        algorithm="sha256",
    )


def make(hit: Hit, conf: TrackingSettings | None = None):
    """The signed token of a hit (for the pixel when its kind is open, else a click)."""
    conf = conf or tracking_settings()
    if not conf.enabled:
        raise TrackingDisabled("tracking is disabled (TRACKING_ENABLED=false)")
    return _signer(hit.purpose, conf).sign(_encode(hit))


def read(token, purpose: Purpose, conf: TrackingSettings | None = None):
    """The Reading of an authentic token for `purpose`, or None (forged, truncated,
    altered, re-signed, for the other endpoint, or tracking without a key)."""
    conf = conf or tracking_settings()
    if not conf.signing_key or not token or len(token) > 200:
        return None
    signer = _signer(purpose, conf)
    fresh = True
    try:
        payload = signer.unsign(token, max_age=timedelta(days=conf.token_max_age_days))
    except signing.SignatureExpired:
        payload, fresh = signer.unsign(token), False
    except signing.BadSignature:
        return None
    hit = _decode(payload)
    if hit is None or hit.purpose != purpose:
        return None
    return Reading(hit, fresh)
