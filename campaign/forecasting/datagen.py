"""Forecasting's tables for `generate_data` and the demo, declared in
campaign/forecasting/contributions.py and built with the core's toolkit
(campaign.devtools.datagen).

- Typology rules: pressure rules (two a week on every channel, two SMS a week, eight
  emails a month) and capacity rules (an SMS gateway every day, a print shop for
  direct mail on working days) sized to the recipients, so that the calendar shows a
  few overruns, not only overruns.
- The forecast: the provisional deliveries this run generated that target recipients
  get a target (a saved filter on email domains or creation date) and a weight from 1
  to 3; then the forecasting workflow's own build runs at `now`, as last night's run
  would have left it. Its deliveries are planned in the next 60 days, so a first
  cleanup deletes none of its logs.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

from campaign import configuration
from campaign.choices import ProfileTable, SchedulingMode
from campaign.devtools.datagen.sql import case, literal
from workflows.plugins import GeneratedTable

from . import forecasting
from .choices import Recurrence
from .models import CapacityRule, PressureRule

if TYPE_CHECKING:
    from workflows.plugins import Generation


def _domains(*domains):
    return [{"field": "email", "op": "endswith", "value": f"@{domain}"} for domain in domains]


def _targets(now):
    """The saved filters of the generated targets, 30 % to 80 % of the recipients each
    (no list: the generated data leaves recipient lists to the operators)."""
    recent = {"field": "created_at", "op": "gte", "value": (now - timedelta(days=540)).isoformat()}
    return [
        _domains("gmail.com")[0],
        {"any": _domains("gmail.com", "hotmail.com", "outlook.com")},
        {"not": _domains("gmail.com")[0]},
        {"any": _domains("orange.fr", "free.fr", "sfr.fr", "laposte.net", "yahoo.fr")},
        recent,
        {"all": [recent, {"not": _domains("example.com")[0]}]},
    ]


def _rules(recipients):
    """The typology rules, in the order a count takes them."""
    return [
        (PressureRule, {"label": "At most 2 messages a week", "max_messages": 2, "period_days": 7}),
        (
            CapacityRule,
            {
                "label": "SMS gateway",
                "channel": "sms",
                "daily_quantity": max(50, recipients * 35 // 100),
                "recurrence": Recurrence.EVERY_DAY,
            },
        ),
        (
            PressureRule,
            {"label": "At most 2 SMS a week", "channel": "sms", "max_messages": 2, "period_days": 7},
        ),
        (
            CapacityRule,
            {
                "label": "Print shop (direct mail)",
                "channel": "mail",
                "daily_quantity": max(20, recipients // 5),
                "recurrence": Recurrence.WORKING_DAYS,
            },
        ),
        (
            PressureRule,
            {"label": "At most 8 emails a month", "channel": "email", "max_messages": 8, "period_days": 30},
        ),
    ]


def typology_rules(generation: Generation) -> int:
    """The first `count` rules (a handful of rows, made through the ORM)."""
    total = generation.count("typology_rules")
    if not total:
        return 0
    recipients = int(generation.one("SELECT COUNT(*) FROM campaign_recipient")[0])
    made = 0
    for model, fields in _rules(recipients)[:total]:
        fields = dict(fields)
        if "channel" in fields:
            fields["channel"] = generation.channels[fields["channel"]]
        _rule, created = model.objects.get_or_create(label=fields.pop("label"), defaults=fields)
        made += created
    return made


def forecasts(generation: Generation) -> int:
    """Targets and weights for this run's provisional deliveries to recipients, then a
    forecast build at `now`; returns the forecast logs written."""
    if not generation.count("forecasts"):
        return 0
    targets = _targets(generation.now)
    roll = f"{generation.random('id', 'target')} % {len(targets)}"
    filters = case(
        roll,
        {number: generation.dialect.json(literal(json.dumps(saved))) for number, saved in enumerate(targets)},
    )
    generation.sql(
        f"UPDATE campaign_delivery SET target_filter = {filters}, "
        f"weight = 1 + {generation.random('id', 'weight')} % 3 "
        f"WHERE id >= {generation.first_id('campaign.Delivery')} "
        f"AND scheduling_mode = {literal(SchedulingMode.PROVISIONAL)} "
        f"AND profile_table = {literal(ProfileTable.RECIPIENT)}"
    )
    horizon = configuration.value(forecasting.HORIZON_SETTING)
    built = forecasting.build(generation.now, horizon, log=lambda *args, **kwargs: None)
    return built.logs


def _presets(tiny: int, demo: int, bench: int) -> dict[str, int]:
    return {"tiny": tiny, "demo": demo, "bench": bench}


GENERATED_TABLES = [
    GeneratedTable(
        key="typology_rules",
        order=1500,
        label="typology rules (pressure and capacity)",
        models=("forecasting.PressureRule", "forecasting.CapacityRule"),
        counts=_presets(5, 5, 5),
        generate=typology_rules,
    ),
    GeneratedTable(
        key="forecasts",
        order=1600,
        label="forecast of the provisional deliveries (targets, forecast logs, exclusions)",
        models=(
            "forecasting.Forecast",
            "forecasting.ForecastLog",
            "forecasting.ForecastExclusion",
            "forecasting.DeliveryForecast",
            "forecasting.ChannelDayLoad",
        ),
        # A build (0 or 1). The bench preset leaves it out: 200 provisional deliveries
        # over a million recipients would be 100 million forecast logs (the forecasting
        # benchmark builds its own 20).
        counts=_presets(1, 1, 0),
        generate=forecasts,
        requires=("recipients", "deliveries"),
    ),
]
