"""Capacity rules against the forecast: the volume each channel would send per day
(local time) against the quantity its rules make available that day."""

from collections import defaultdict

from django.db.models import F, Sum

from .models import CapacityRule, ChannelDayLoad, DeliveryForecast


def rules_by_channel():
    """{channel id: its active capacity rules}."""
    found = defaultdict(list)
    for rule in CapacityRule.objects.filter(active=True).order_by("pk"):
        found[rule.channel_id].append(rule)
    return found


def capacity_on(rules, day):
    """Messages a channel can take on `day` under its rules: None (no limit) without
    rules, 0 on a day none of them covers."""
    if not rules:
        return None
    return sum(rule.daily_quantity for rule in rules if rule.applies_on(day))


def write_loads(forecast, rules):
    """Write the build's volume per channel and day with its capacity (one row per
    channel and day that has forecast deliveries); returns the overruns."""
    volumes = (
        DeliveryForecast.objects.filter(forecast=forecast)
        .values("channel_id", "day")
        .annotate(volume=Sum(F("targeted") - F("excluded")))
        .order_by("day", "channel_id")
    )
    loads = []
    for row in volumes:  # one row per channel and day: a few hundred at most
        capacity = capacity_on(rules.get(row["channel_id"]), row["day"])
        loads.append(
            ChannelDayLoad(
                forecast=forecast,
                channel_id=row["channel_id"],
                day=row["day"],
                volume=row["volume"],
                capacity=capacity,
                overrun=capacity is not None and row["volume"] > capacity,
            )
        )
    ChannelDayLoad.objects.bulk_create(loads)
    return [load for load in loads if load.overrun]
