"""The forecasting tests' world: the shared builders (tests/builders.py) plus recipients
with a country, provisional deliveries with targets, typology rules, a build of the
forecast and what the current forecast holds."""

from datetime import UTC, datetime, timedelta

import pytest

from campaign.choices import DeliveryState, LogStatus, SchedulingMode
from campaign.forecasting import forecasting
from campaign.forecasting.models import (
    CapacityRule,
    DeliveryForecast,
    ForecastExclusion,
    ForecastLog,
    PressureRule,
)
from campaign.models import Recipient, RecipientList
from tests import builders

# A Monday, 00:00 UTC (01:00 in Paris, the workflow's hour).
NOW = datetime(2026, 3, 2, tzinfo=UTC)
DAY = timedelta(days=1)
EVERYONE = {}


def at(days, hours=10):
    """`days` after NOW, at `hours` o'clock UTC."""
    return NOW + timedelta(days=days, hours=hours)


class World:
    """Rows made the way the platform makes them."""

    channel = staticmethod(builders.channel)

    def recipients(self, n, country="FR"):
        Recipient.objects.bulk_create(
            Recipient(email=f"{country.lower()}{i}@example.com", country=country, created_at=NOW - 400 * DAY)
            for i in range(n)
        )
        return list(Recipient.objects.filter(country=country).order_by("id").values_list("id", flat=True))

    def recipient_list(self, name, members):
        made = RecipientList.objects.create(name=name)
        made.recipients.add(*members)
        return made

    def delivery(
        self,
        label,
        planned_at,
        *,
        target_filter=EVERYONE,
        target_list=None,
        channel="email",
        weight=1,
        mode=SchedulingMode.PROVISIONAL,
        state=DeliveryState.EDITION,
        **fields,
    ):
        """A delivery planned at `planned_at`, provisional and being edited by default."""
        return builders.delivery(
            label,
            channel_code=channel,
            scheduling_mode=mode,
            state=state,
            planned_at=planned_at,
            target_filter=target_filter,
            target_list=target_list,
            weight=weight,
            created_at=NOW - 10 * DAY,
            **fields,
        )

    def sent(self, profile_ids, event_at, channel="email", status=LogStatus.SENT):
        """Messages already sent to recipients, by a finished delivery."""
        parent = builders.delivery(
            f"Sent {event_at:%Y-%m-%d %H:%M}",
            channel_code=channel,
            state=DeliveryState.FINISHED,
            started_at=event_at,
        )
        ids = list(profile_ids)
        builders.logs(parent, [event_at] * len(ids), profile_ids=ids, status=status)
        return parent

    def pressure(self, max_messages, period_days, channel=None, label=None, **fields):
        return PressureRule.objects.create(
            label=label or f"At most {max_messages} in {period_days} days",
            max_messages=max_messages,
            period_days=period_days,
            channel=self.channel(channel) if channel else None,
            **fields,
        )

    def capacity(self, quantity, channel="email", label=None, **fields):
        return CapacityRule.objects.create(
            label=label or f"{channel} {quantity} a day",
            channel=self.channel(channel),
            daily_quantity=quantity,
            **fields,
        )

    def forecast(self, now=NOW, horizon_days=60):
        lines = []
        result = forecasting.build(now, horizon_days, log=lambda message, level="info": lines.append(message))
        result.lines = lines
        return result

    # --- reading the current forecast ---------------------------------------------

    def summary(self, delivery):
        return DeliveryForecast.objects.current().get(delivery=delivery)

    def targeted(self, delivery):
        return set(ForecastLog.objects.filter(delivery=delivery).values_list("profile_id", flat=True))

    def excluded(self, delivery, rule=None):
        rows = ForecastExclusion.objects.filter(delivery=delivery)
        if rule is not None:
            rows = rows.filter(rule=rule)
        return set(rows.values_list("profile_id", flat=True))


@pytest.fixture
def world(db):
    return World()
