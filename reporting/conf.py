"""The reporting settings, read and checked in one place (environment variables in
campaign/settings.py, block "Reporting and billing")."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BILLING_LANGUAGES = ("en", "fr")


@dataclass(frozen=True)
class Band:
    """Messages whose average volume is at most `up_to` bytes (None: any) count
    `multiplier` times."""

    up_to: int | None
    multiplier: int


def parse_bands(text):
    """ "102400:1,204800:2,*:3" → bands in increasing order, the last one open-ended."""
    bands = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        bound, sep, multiplier = item.partition(":")
        try:
            up_to = None if bound.strip() == "*" else int(bound)
            factor = int(multiplier)
        except ValueError:
            raise ImproperlyConfigured(
                f"BILLING_MULTIPLIER_BANDS: {item!r} is not 'up-to-bytes:multiplier' or '*:multiplier'"
            ) from None
        if not sep or factor < 1 or (up_to is not None and up_to < 1):
            raise ImproperlyConfigured(
                f"BILLING_MULTIPLIER_BANDS: {item!r} needs a positive byte bound and a multiplier >= 1"
            )
        bands.append(Band(up_to, factor))
    if not bands or bands[-1].up_to is not None:
        raise ImproperlyConfigured("BILLING_MULTIPLIER_BANDS must end with an open band '*:multiplier'")
    bounds = [band.up_to for band in bands[:-1]]
    if None in bounds or bounds != sorted(set(bounds)):
        raise ImproperlyConfigured("BILLING_MULTIPLIER_BANDS: byte bounds must increase, '*' comes last")
    return tuple(bands)


def multiplier_for(average_bytes, bands):
    for band in bands:
        if band.up_to is None or average_bytes <= band.up_to:
            return band.multiplier
    return bands[-1].multiplier


@dataclass(frozen=True)
class ReportingSettings:
    window_months: int
    customer_id: str
    instance_name: str
    language: str
    small_delivery_threshold: int
    bands: tuple


def reporting_settings():
    """The current settings, validated; a bad value raises ImproperlyConfigured with
    the variable's name."""
    window = settings.ACTIVE_PROFILE_WINDOW_MONTHS
    if not 1 <= window <= 120:
        raise ImproperlyConfigured("ACTIVE_PROFILE_WINDOW_MONTHS must be between 1 and 120")
    if settings.BILLING_LANGUAGE not in BILLING_LANGUAGES:
        raise ImproperlyConfigured(f"BILLING_LANGUAGE must be one of {', '.join(BILLING_LANGUAGES)}")
    if settings.BILLING_SMALL_DELIVERY_THRESHOLD < 0:
        raise ImproperlyConfigured("BILLING_SMALL_DELIVERY_THRESHOLD cannot be negative")
    return ReportingSettings(
        window_months=window,
        customer_id=settings.BILLING_CUSTOMER_ID,
        instance_name=settings.BILLING_INSTANCE_NAME,
        language=settings.BILLING_LANGUAGE,
        small_delivery_threshold=settings.BILLING_SMALL_DELIVERY_THRESHOLD,
        bands=parse_bands(settings.BILLING_MULTIPLIER_BANDS),
    )
