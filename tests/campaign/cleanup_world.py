"""Builders for the cleanup tests: rows of every table cleanup touches, at given times."""

from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.db import connection

from campaign.choices import LogStatus, ProfileTable, QuarantineStatus, TrackingKind
from campaign.models import (
    Channel,
    Delivery,
    DeliveryLog,
    Event,
    EventType,
    PurgeSettings,
    Quarantine,
    RetentionPeriod,
    TrackingHit,
    TrackingUrl,
)

# 04:00 in Paris, cleanup's default slot.
NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def days_ago(days, now=NOW):
    return now - timedelta(days=days)


def channel(code="email"):
    return Channel.objects.get(code=code)


def delivery(label="Newsletter", **fields):
    fields.setdefault("channel", channel())
    fields.setdefault("created_at", days_ago(400))
    return Delivery.objects.create(label=label, **fields)


def logs(parent, times, status=LogStatus.DELIVERED, address="a@example.com"):
    DeliveryLog.objects.bulk_create(
        DeliveryLog(
            delivery=parent,
            profile_table=ProfileTable.RECIPIENT,
            profile_id=n,
            address=address,
            status=status,
            event_at=at,
        )
        for n, at in enumerate(times, 1)
    )


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


def events(times):
    event_type, _ = EventType.objects.get_or_create(name="order", defaults={"label": "Order"})
    Event.objects.bulk_create(Event(event_type=event_type, channel=channel(), created_at=at) for at in times)


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
