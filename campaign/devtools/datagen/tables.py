"""The core's generated tables, declared to `generate_data` like any app's (wired in
campaign/contributions.py): rows per preset ("tiny" for tests, "demo" for a platform
whose every screen is meaningful, "bench" for the benchmarks: 10 million delivery
logs), the tables each requires, and its generator.

Slots 100…900 leave room between them for an app's tables (offers uses 1000 and up).
"""

from workflows.plugins import GeneratedTable

from .deliveries import deliveries, delivery_logs
from .message_center import event_types, events
from .profiles import external_profiles, recipients
from .quarantine import quarantine
from .tracking import tracking_hits, tracking_urls


def _presets(tiny: int, demo: int, bench: int) -> dict[str, int]:
    return {"tiny": tiny, "demo": demo, "bench": bench}


GENERATED_TABLES = [
    GeneratedTable(
        key="recipients",
        order=100,
        label="recipients",
        models=("campaign.Recipient",),
        counts=_presets(200, 5_000, 1_000_000),
        generate=recipients,
    ),
    GeneratedTable(
        key="external_profiles",
        order=200,
        label="external profiles (cookie, customer, mobile)",
        models=("campaign.ExternalProfile",),
        counts=_presets(60, 1_500, 200_000),
        generate=external_profiles,
    ),
    GeneratedTable(
        key="deliveries",
        order=300,
        label="deliveries",
        models=("campaign.Delivery",),
        counts=_presets(40, 300, 5_000),
        generate=deliveries,
    ),
    GeneratedTable(
        key="delivery_logs",
        order=400,
        label="delivery logs",
        models=("campaign.DeliveryLog",),
        counts=_presets(2_000, 30_000, 10_000_000),
        generate=delivery_logs,
        requires=("deliveries", "recipients"),
    ),
    GeneratedTable(
        key="tracking_urls",
        order=500,
        label="tracking URLs",
        models=("campaign.TrackingUrl",),
        counts=_presets(60, 600, 25_000),
        generate=tracking_urls,
        requires=("deliveries",),
    ),
    GeneratedTable(
        key="tracking_hits",
        order=600,
        label="raw tracking hits",
        models=("campaign.TrackingHit",),
        counts=_presets(400, 8_000, 2_000_000),
        generate=tracking_hits,
        requires=("delivery_logs",),
    ),
    GeneratedTable(
        key="event_types",
        order=700,
        label="Message Center event types",
        models=("campaign.EventType",),
        counts=_presets(4, 8, 10),
        generate=event_types,
    ),
    GeneratedTable(
        key="events",
        order=800,
        label="Message Center events",
        models=("campaign.Event",),
        counts=_presets(300, 5_000, 1_000_000),
        generate=events,
        requires=("event_types",),
    ),
    GeneratedTable(
        key="quarantine",
        order=900,
        label="quarantine entries",
        models=("campaign.Quarantine",),
        counts=_presets(40, 400, 50_000),
        generate=quarantine,
    ),
]
