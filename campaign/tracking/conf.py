"""The tracking settings (environment variables, campaign/settings.py block "Tracking"),
read and checked in one place."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_KEY_LENGTH = 32


@dataclass(frozen=True)
class TrackingSettings:
    enabled: bool
    signing_key: str
    fallback_keys: tuple[str, ...]
    token_max_age_days: int
    base_url: str


def tracking_settings():
    """The current settings; a bad value raises ImproperlyConfigured naming the variable."""
    if settings.TRACKING_TOKEN_MAX_AGE_DAYS < 1:
        raise ImproperlyConfigured("TRACKING_TOKEN_MAX_AGE_DAYS must be at least 1")
    base = settings.TRACKING_BASE_URL.rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise ImproperlyConfigured("TRACKING_BASE_URL must start with http:// or https://")
    return TrackingSettings(
        enabled=settings.TRACKING_ENABLED,
        signing_key=settings.TRACKING_SIGNING_KEY,
        fallback_keys=tuple(settings.TRACKING_SIGNING_FALLBACK_KEYS),
        token_max_age_days=settings.TRACKING_TOKEN_MAX_AGE_DAYS,
        base_url=base,
    )


def key_problems(conf: TrackingSettings, secret_key: str):
    """Readable problems with the signing key of enabled tracking (empty when fine)."""
    if not conf.enabled:
        return []
    if not conf.signing_key:
        return [
            "TRACKING_ENABLED is on but TRACKING_SIGNING_KEY is not set: set it to a random key "
            f"of {MIN_KEY_LENGTH}+ characters (never SECRET_KEY), or set TRACKING_ENABLED=false"
        ]
    problems = []
    if len(conf.signing_key) < MIN_KEY_LENGTH:
        problems.append(f"TRACKING_SIGNING_KEY must have {MIN_KEY_LENGTH} characters or more")
    if conf.signing_key == secret_key:
        problems.append("TRACKING_SIGNING_KEY must differ from SECRET_KEY (each can then be rotated alone)")
    return problems
