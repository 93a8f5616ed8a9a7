"""The core's list pages: as many queries with 1 row as with 300 (no N+1)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from campaign.choices import LogStatus, ProfileTable, QuarantineStatus
from campaign.models import Channel, Delivery, DeliveryLog, Event, EventType, Quarantine, SettingChange
from tests.builders import NOW
from tests.query_counts import assert_no_n_plus_one

pytestmark = pytest.mark.django_db


def add_deliveries(count):
    channels = list(Channel.objects.all())
    Delivery.objects.bulk_create(
        Delivery(label=f"d{i}", channel=channels[i % len(channels)], created_at=NOW) for i in range(count)
    )


def add_logs(count):
    parent = Delivery.objects.first() or Delivery.objects.create(
        label="d", channel=Channel.objects.first(), created_at=NOW
    )
    DeliveryLog.objects.bulk_create(
        DeliveryLog(
            delivery=parent,
            profile_table=ProfileTable.RECIPIENT,
            profile_id=i,
            status=LogStatus.SENT,
            event_at=NOW - timedelta(minutes=i),
        )
        for i in range(count)
    )


def add_events(count):
    event_type, _ = EventType.objects.get_or_create(name="order", defaults={"label": "Order"})
    channel = Channel.objects.get(code="email")
    Event.objects.bulk_create(
        Event(event_type=event_type, channel=channel, created_at=NOW) for _ in range(count)
    )


def add_quarantine(count):
    start = Quarantine.objects.count()
    channel = Channel.objects.get(code="email")
    Quarantine.objects.bulk_create(
        Quarantine(
            address=f"q{start + i}@example.com",
            channel=channel,
            status=QuarantineStatus.WITH_ERRORS,
            created_at=NOW,
            updated_at=NOW,
        )
        for i in range(count)
    )


def add_setting_changes(count):
    SettingChange.objects.bulk_create(
        SettingChange(key="retention.delivery_logs", before="180", after=str(i), changed_at=NOW)
        for i in range(count)
    )


@pytest.mark.parametrize(
    "url, add_rows",
    [
        ("admin:campaign_delivery_changelist", add_deliveries),
        ("admin:campaign_deliverylog_changelist", add_logs),
        ("admin:campaign_event_changelist", add_events),
        ("admin:campaign_quarantine_changelist", add_quarantine),
        ("campaign:purge_settings", add_setting_changes),
        ("campaign:settings", add_setting_changes),
    ],
)
def test_a_page_runs_as_many_queries_with_1_row_as_with_300(administrator_client, url, add_rows):
    assert_no_n_plus_one(administrator_client, reverse(url), add_rows)
