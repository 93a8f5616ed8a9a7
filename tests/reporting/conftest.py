"""Builders for the reporting tests: deliveries with logs, Message Center messages."""

from datetime import UTC, datetime

import pytest

from campaign.choices import EventStatus, LogStatus, ProfileTable
from campaign.models import Channel, Delivery, DeliveryLog, Event, EventType, ExternalProfile, Recipient

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class World:
    """Small helpers that create rows the way the platform does (bulk, set-based)."""

    def channel(self, code):
        return Channel.objects.get(code=code)

    def recipients(self, n):
        Recipient.objects.bulk_create(Recipient(email=f"r{i}@example.com", created_at=T0) for i in range(n))
        return list(Recipient.objects.order_by("id").values_list("id", flat=True))

    def externals(self, kind, n, linked_to=()):
        linked = list(linked_to)
        ExternalProfile.objects.bulk_create(
            ExternalProfile(
                kind=kind,
                external_id=f"{kind}-{i}",
                recipient_id=linked[i] if i < len(linked) else None,
                created_at=T0,
            )
            for i in range(n)
        )
        return list(ExternalProfile.objects.filter(kind=kind).order_by("id").values_list("id", flat=True))

    def delivery(self, channel="email", table=ProfileTable.RECIPIENT, label="Newsletter", started_at=None):
        return Delivery.objects.create(
            label=label,
            channel=self.channel(channel),
            profile_table=table,
            started_at=started_at,
            created_at=started_at or T0,
        )

    def logs(self, delivery, profile_ids, at, status=LogStatus.SENT, size=1000):
        DeliveryLog.objects.bulk_create(
            DeliveryLog(
                delivery=delivery,
                profile_table=delivery.profile_table,
                profile_id=pk,
                status=status,
                message_size=size,
                event_at=at,
            )
            for pk in profile_ids
        )

    def message(
        self, profile_id, at, channel="email", table=ProfileTable.RECIPIENT, status=EventStatus.PROCESSED
    ):
        event_type, _ = EventType.objects.get_or_create(
            name="order", defaults={"label": "Order confirmation"}
        )
        return Event.objects.create(
            event_type=event_type,
            channel=self.channel(channel),
            status=status,
            email="x@example.com",
            profile_table=table if profile_id is not None else "",
            profile_id=profile_id,
            created_at=at,
            processed_at=at if status == EventStatus.PROCESSED else None,
        )


@pytest.fixture
def world(db):
    return World()
