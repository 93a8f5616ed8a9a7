"""Builders for the tracking tests: a delivery with its logs, URLs and raw hits, and
tracking switched on with a test key."""

from datetime import UTC, datetime, timedelta

import pytest

from campaign.choices import LogStatus, ProfileTable, TrackingKind
from campaign.models import Channel, Delivery, DeliveryLog, TrackingHit, TrackingUrl
from campaign.tracking import tokens

NOW = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
KEY = "tracking-test-key-0123456789abcdefghijklmnopqrstuvwxyz"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def tracking_on(settings):
    settings.TRACKING_ENABLED = True
    settings.TRACKING_SIGNING_KEY = KEY
    settings.TRACKING_SIGNING_FALLBACK_KEYS = []
    settings.TRACKING_BASE_URL = "https://t.example.com"
    settings.TRACKING_TOKEN_MAX_AGE_DAYS = 360


class Tracking:
    """Rows the way the platform writes them."""

    def delivery(self, label="Newsletter", channel="email", **fields):
        fields.setdefault("created_at", NOW - timedelta(days=2))
        fields.setdefault("started_at", NOW - timedelta(days=1))
        fields.setdefault("state", "finished")
        return Delivery.objects.create(label=label, channel=Channel.objects.get(code=channel), **fields)

    def logs(
        self, delivery, count, status=LogStatus.SENT, first_profile=1, at=None, address="{n}@example.com"
    ):
        DeliveryLog.objects.bulk_create(
            DeliveryLog(
                delivery=delivery,
                profile_table=delivery.profile_table,
                profile_id=n,
                address=address.format(n=n),
                status=status,
                event_at=at or NOW - timedelta(hours=20),
            )
            for n in range(first_profile, first_profile + count)
        )
        return list(delivery.logs.filter(profile_id__gte=first_profile).order_by("profile_id"))

    def url(self, delivery, kind=TrackingKind.CLICK, target="https://shop.example.com/offer"):
        return TrackingUrl.objects.create(delivery=delivery, url=target, kind=kind, label=target)

    def hit(self, log, url, at=None, user_agent=CHROME, **fields):
        values = dict(
            delivery_id=log.delivery_id,
            delivery_log_id=log.pk,
            url=url,
            profile_table=log.profile_table,
            profile_id=log.profile_id,
            kind=url.kind,
            hit_at=at or NOW - timedelta(hours=2),
            user_agent=user_agent,
        )
        values.update(fields)
        return TrackingHit.objects.create(**values)

    def token(self, log, url):
        hit = tokens.Hit(
            log.delivery_id, log.pk, url.pk, url.kind, ProfileTable(log.profile_table), log.profile_id
        )
        return tokens.make(hit)


@pytest.fixture
def tracking(db):
    return Tracking()
