"""The one builder of test data for every app's tests: rows created the way the platform
creates them (in bulk, set-based), at given times.

Module functions build one kind of row each (`delivery`, `logs`, `hits`, `events`…);
the `world` fixture (tests/conftest.py) is a `World`, the same builders with the
keyword style the reporting tests use (`world.logs(delivery, profile_ids, at)`).
"""

from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.db import connection

from campaign.choices import EventStatus, LogStatus, ProfileTable, QuarantineStatus, TrackingKind
from campaign.models import (
    Channel,
    Delivery,
    DeliveryLog,
    Event,
    EventType,
    ExternalProfile,
    PurgeSettings,
    Quarantine,
    Recipient,
    RetentionPeriod,
    TrackingHit,
    TrackingUrl,
)

# 04:00 in Paris, cleanup's default slot.
NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def days_ago(days, now=NOW):
    return now - timedelta(days=days)


def channel(code="email"):
    return Channel.objects.get(code=code)


def delivery(label="Newsletter", *, channel_code="email", profile_table=ProfileTable.RECIPIENT, **fields):
    fields.setdefault("channel", channel(channel_code))
    fields.setdefault("created_at", fields.get("started_at") or days_ago(400))
    return Delivery.objects.create(label=label, profile_table=profile_table, **fields)


def logs(parent, times, *, profile_ids=None, status=LogStatus.DELIVERED, address="a@example.com", size=0):
    """One delivery log per time; profiles 1, 2, … unless `profile_ids` are given."""
    ids = profile_ids if profile_ids is not None else range(1, len(times) + 1)
    DeliveryLog.objects.bulk_create(
        DeliveryLog(
            delivery=parent,
            profile_table=parent.profile_table,
            profile_id=pk,
            address=address,
            status=status,
            message_size=size,
            event_at=at,
        )
        for pk, at in zip(ids, times, strict=True)
    )


def recipients(count):
    """`count` recipients; returns every recipient id in order."""
    Recipient.objects.bulk_create(Recipient(email=f"r{i}@example.com", created_at=T0) for i in range(count))
    return list(Recipient.objects.order_by("id").values_list("id", flat=True))


def externals(kind, count, linked_to=()):
    linked = list(linked_to)
    ExternalProfile.objects.bulk_create(
        ExternalProfile(
            kind=kind,
            external_id=f"{kind}-{i}",
            recipient_id=linked[i] if i < len(linked) else None,
            created_at=T0,
        )
        for i in range(count)
    )
    return list(ExternalProfile.objects.filter(kind=kind).order_by("id").values_list("id", flat=True))


def url(parent):
    return TrackingUrl.objects.create(delivery=parent, url="https://example.com/")


def hits(parent, times, consolidated=True, tracking_url=None):
    TrackingHit.objects.bulk_create(
        TrackingHit(
            delivery=parent,
            url=tracking_url,
            profile_table=ProfileTable.RECIPIENT,
            profile_id=n,
            kind=TrackingKind.CLICK,
            hit_at=at - timedelta(hours=1),
            consolidated_at=at if consolidated else None,
        )
        for n, at in enumerate(times, 1)
    )


def propositions(times, parent=None):
    from offers.models import Category, Environment, Offer, Proposition

    environment, _ = Environment.objects.get_or_create(name="Live", defaults={"kind": "live"})
    category, _ = Category.objects.get_or_create(environment=environment, parent=None, name="All")
    offer, _ = Offer.objects.get_or_create(
        environment=environment, code="welcome", defaults={"category": category, "label": "Welcome"}
    )
    Proposition.objects.bulk_create(
        Proposition(
            offer=offer, delivery=parent, profile_table=ProfileTable.RECIPIENT, profile_id=n, proposed_at=at
        )
        for n, at in enumerate(times, 1)
    )


def event_type(name="order"):
    return EventType.objects.get_or_create(name=name, defaults={"label": name.title()})[0]


def events(times):
    kind = event_type()
    Event.objects.bulk_create(Event(event_type=kind, channel=channel(), created_at=at) for at in times)


def message(profile_id, at, channel_code="email", table=ProfileTable.RECIPIENT, status=EventStatus.PROCESSED):
    """A Message Center message; to a known profile when `profile_id` is given."""
    return Event.objects.create(
        event_type=event_type(),
        channel=channel(channel_code),
        status=status,
        email="x@example.com",
        profile_table=table if profile_id is not None else "",
        profile_id=profile_id,
        created_at=at,
        processed_at=at if status in EventStatus.routed() else None,
    )


def quarantine(address, status=QuarantineStatus.WITH_ERRORS, **fields):
    fields.setdefault("created_at", days_ago(100))
    fields.setdefault("updated_at", days_ago(100))
    return Quarantine.objects.create(address=address, channel=channel(), status=status, **fields)


def purge(**changes):
    """Change the purge settings: `<data class>_days=…` sets a retention period (None:
    keep forever), other names are fields of PurgeSettings."""
    settings = PurgeSettings.load()
    for name, value in changes.items():
        if name.endswith("_days"):
            RetentionPeriod.objects.update_or_create(key=name.removesuffix("_days"), defaults={"days": value})
        else:
            setattr(settings, name, value)
    settings.save()
    return settings


def table_counts():
    """Rows in every table of every installed model (the whole database)."""
    counts = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            if model._meta.proxy or not model._meta.managed:
                continue
            table = model._meta.db_table
            if table in counts:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


class World:
    """The builders above with the reporting tests' keyword style."""

    channel = staticmethod(channel)
    recipients = staticmethod(recipients)
    externals = staticmethod(externals)

    def message(
        self, profile_id, at, channel="email", table=ProfileTable.RECIPIENT, status=EventStatus.PROCESSED
    ):
        return message(profile_id, at, channel_code=channel, table=table, status=status)

    def delivery(self, channel="email", table=ProfileTable.RECIPIENT, label="Newsletter", started_at=None):
        return delivery(label, channel_code=channel, profile_table=table, started_at=started_at)

    def logs(self, parent, profile_ids, at, status=LogStatus.SENT, size=1000):
        """One log per profile, all at `at`."""
        ids = list(profile_ids)
        logs(parent, [at] * len(ids), profile_ids=ids, status=status, address="", size=size)
