"""Builders for the cube tests (beside the shared tests/builders.py, which has no offer
spaces, proposition statuses or archived events): an offer catalog with propositions,
Message Center event types with archived and queued events, intake keys."""

from datetime import UTC, datetime, timedelta

import pytest

from campaign.choices import EventStatus, ProfileTable
from campaign.models import Channel, Delivery, Event, EventType
from offers.choices import EnvironmentKind, PropositionStatus
from offers.models import Category, Environment, Offer, OfferSpace, Proposition
from reporting.cubes.models import ArchivedEvent, IntakeKey

# A Tuesday, 10:00 in Paris. 2026-03-29 is the spring DST change in Europe.
NOW = datetime(2026, 4, 14, 8, 0, tzinfo=UTC)


class CubeWorld:
    """Rows the way the platform has them, built in bulk."""

    def channel(self, code):
        return Channel.objects.get(code=code)

    # --- offers ---
    def catalog(self, offers=3):
        live = Environment.objects.create(name="Live", kind=EnvironmentKind.LIVE)
        category = Category.objects.create(environment=live, name="Cards")
        self.spaces = [
            OfferSpace.objects.create(environment=live, name="Email banner", channel=self.channel("email")),
            OfferSpace.objects.create(environment=live, name="Web home", channel=self.channel("push")),
        ]
        self.offers = [
            Offer.objects.create(environment=live, category=category, code=f"offer-{n}", label=f"Offer {n}")
            for n in range(offers)
        ]
        return self.offers

    def delivery(self, label="Spring newsletter", channel="email"):
        return Delivery.objects.create(label=label, channel=self.channel(channel), created_at=NOW)

    def propositions(self, offer, times, status=PropositionStatus.PRESENTED, delivery=None, space=None):
        Proposition.objects.bulk_create(
            Proposition(
                offer=offer,
                delivery=delivery,
                space=space,
                # As the offer engine stamps it: the delivery's channel, else the space's.
                channel_id=delivery.channel_id if delivery else (space.channel_id if space else None),
                profile_table=ProfileTable.RECIPIENT,
                profile_id=index + 1,
                status=status,
                proposed_at=moment,
            )
            for index, moment in enumerate(times)
        )

    # --- Message Center ---
    def event_type(self, name="order_confirmation", label="Order confirmation"):
        return EventType.objects.get_or_create(name=name, defaults={"label": label})[0]

    def archived(self, event_type, times, status=EventStatus.SENT, channel="email", processing=None):
        """Archived events received at `times`, processed `processing` seconds later
        (in turn), whose queue rows are gone; returns their ids."""
        channel = self.channel(channel)
        rows = ArchivedEvent.objects.bulk_create(
            ArchivedEvent(
                event_type=event_type,
                channel=channel,
                status=status,
                email=f"p{index}@example.com",
                created_at=moment,
                processed_at=moment + timedelta(seconds=processing[index % len(processing)])
                if processing
                else None,
            )
            for index, moment in enumerate(times)
        )
        return [row.pk for row in rows]

    def queued(self, event_type, times, status=EventStatus.PENDING, channel="email"):
        """Events in the queue only (written there some other way than the intake)."""
        channel = self.channel(channel)
        rows = Event.objects.bulk_create(
            Event(
                event_type=event_type,
                channel=channel,
                status=status,
                email="q@example.com",
                created_at=moment,
            )
            for moment in times
        )
        return [row.pk for row in rows]

    def key(self, name="web shop"):
        return IntakeKey.issue(name, None, NOW)


@pytest.fixture
def cube_world(db):
    return CubeWorld()
