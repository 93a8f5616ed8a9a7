"""Benchmark `forecasting`: forecast logs and pressure exclusions against hand-written SQL.

Data: datagen's recipients, deliveries and delivery logs ("full": 1 million recipients,
10 million delivery logs over 18 months; "tiny": datagen's tiny sizes), then 20
provisional deliveries planned over the next four weeks (33 hours apart, weights 1 to 3,
email and SMS), each targeting 30 % to 80 % of the recipients: 18 by a saved filter on
the recipients' creation date (a window of the given share, computed from the data's
own percentiles), one by a list of half of them, one by that list and a filter. One
pressure rule: at most 3 messages in 7 days on every channel, counting the delivery
logs of the last week too. The datagen's own provisional deliveries are made scheduled,
so that exactly these 20 are forecast.

Ours: `forecasting.build` (20 INSERT … SELECT from the targets compiled by
campaign.targeting, one INSERT … SELECT with window functions for the rule, the
summaries and loads, the switch to the new build) in a child process. The baseline, in
this process: one INSERT … SELECT … UNION ALL of the 20 targets written by hand, and
the exclusions written by hand with PostgreSQL's own timestamp RANGE frames (ours
counts whole seconds, so that SQLite runs the same statement), into a forecast row of
its own. Both must give the same forecast logs and exclusions per delivery.
"""

import time
from datetime import UTC, datetime, timedelta

from django.db import connection

from campaign.choices import DeliveryState, SchedulingMode
from campaign.devtools.benchmarking import Benchmark, generate_data, register
from campaign.models import Channel, Delivery, RecipientList

from . import forecasting
from .models import (
    ChannelDayLoad,
    DeliveryForecast,
    Forecast,
    ForecastExclusion,
    ForecastLog,
    PressureRule,
)
from .pressure import SENT_STATUSES

NOW = datetime(2026, 6, 10, 23, 0, tzinfo=UTC)  # 01:00 in Paris, the daily slot
HORIZON_DAYS = 60
DELIVERIES = 20
MAX_MESSAGES, PERIOD_DAYS = 3, 7
GENERATED = ("recipients", "deliveries", "delivery_logs")
LABEL = "Bench forecast"
LIST_NAME = "Bench forecast: half of the recipients"
TABLES = (ForecastExclusion, ForecastLog, ChannelDayLoad, DeliveryForecast, Forecast)

BASELINE_EXCLUSIONS = f"""
INSERT INTO forecasting_forecastexclusion (forecast_id, delivery_id, profile_id, rule_id, planned_at)
SELECT %(forecast)s, delivery_id, profile_id, %(rule)s, planned_at FROM (
  SELECT m.delivery_id, m.profile_id, m.planned_at, m.sent,
         COUNT(*) FILTER (WHERE m.sent) OVER around
         + CASE m.weight
             WHEN 3 THEN COUNT(*) FILTER (WHERE NOT m.sent AND m.weight = 3) OVER earlier
             WHEN 2 THEN COUNT(*) FILTER (WHERE NOT m.sent AND m.weight > 2) OVER around
                       + COUNT(*) FILTER (WHERE NOT m.sent AND m.weight = 2) OVER earlier
             WHEN 1 THEN COUNT(*) FILTER (WHERE NOT m.sent AND m.weight > 1) OVER around
                       + COUNT(*) FILTER (WHERE NOT m.sent AND m.weight = 1) OVER earlier
           END AS ahead
  FROM (
    SELECT delivery_id, profile_id, planned_at, weight, false AS sent, planned_at AS at
    FROM forecasting_forecastlog WHERE forecast_id = %(forecast)s
    UNION ALL
    SELECT NULL, profile_id, NULL, NULL, true, event_at FROM campaign_deliverylog
    WHERE profile_table = 'recipient' AND status IN ({", ".join(f"'{s}'" for s in SENT_STATUSES)})
      AND event_at > %(first)s AND event_at < %(last)s
  ) AS m
  WINDOW around AS (PARTITION BY m.profile_id ORDER BY m.at RANGE BETWEEN
                    interval '{PERIOD_DAYS} days' - interval '1 second' PRECEDING AND
                    interval '{PERIOD_DAYS} days' - interval '1 second' FOLLOWING),
         earlier AS (PARTITION BY m.profile_id ORDER BY m.at RANGE BETWEEN
                    interval '{PERIOD_DAYS} days' - interval '1 second' PRECEDING AND
                    interval '1 second' PRECEDING)
) AS ranked
WHERE NOT sent AND ahead >= {MAX_MESSAGES}
"""

BASELINE_LOGS = """
INSERT INTO forecasting_forecastlog (forecast_id, delivery_id, planned_at, weight, profile_id)
SELECT %(forecast)s, %(delivery 1)s, %(planned 1)s, %(weight 1)s, id FROM campaign_recipient
 WHERE created_at >= %(from 1)s AND created_at < %(until 1)s       -- a window of the data
UNION ALL …                                                          -- one per delivery
SELECT …, id, … FROM campaign_recipient WHERE created_at >= %(from 7)s OR created_at < %(until 7)s
UNION ALL                                                            -- a window that wraps
SELECT …, recipient_id, … FROM campaign_recipientlist_recipients WHERE recipientlist_id = %(list)s
UNION ALL
SELECT …, r.id, … FROM campaign_recipientlist_recipients l JOIN campaign_recipient r
 ON r.id = l.recipient_id WHERE l.recipientlist_id = %(list)s AND r.created_at >= … AND r.created_at < …
"""


def _share(number):
    """30 % for the first delivery up to 80 % for the 18th."""
    return 0.30 + 0.50 * number / 17


@register
class Forecasting(Benchmark):
    name = "forecasting"
    description = (
        "forecasting: forecast logs of 20 provisional deliveries + one pressure rule vs hand-written SQL"
    )
    baseline_sql = BASELINE_LOGS.strip() + "\n-- then the exclusions:\n" + BASELINE_EXCLUSIONS.strip()
    target_ratio = 1.5
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        generated = generate_data(scale, GENERATED, seed=12, now=NOW)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        self._empty_forecasts()
        Delivery.objects.filter(scheduling_mode=SchedulingMode.PROVISIONAL).update(
            scheduling_mode=SchedulingMode.SCHEDULED
        )
        Delivery.objects.filter(label__startswith=LABEL).delete()
        RecipientList.objects.filter(name=LIST_NAME).delete()
        PressureRule.objects.all().delete()
        PressureRule.objects.create(
            label="Bench: 3 in 7 days", max_messages=MAX_MESSAGES, period_days=PERIOD_DAYS
        )
        half = RecipientList.objects.create(name=LIST_NAME)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO campaign_recipientlist_recipients (recipientlist_id, recipient_id) "
                "SELECT %s, id FROM campaign_recipient WHERE id %% 2 = 0",
                [half.pk],
            )
            cursor.execute(
                "SELECT percentile_disc(%s::float8[]) WITHIN GROUP (ORDER BY created_at) "
                "FROM campaign_recipient",
                [[step / 100 for step in range(101)]],
            )
            percentiles = cursor.fetchone()[0]
        self.targets = self._deliveries(percentiles, half)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE campaign_delivery, campaign_recipientlist_recipients")
            cursor.execute("SELECT COUNT(*) FROM campaign_recipient")
            recipients = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM campaign_deliverylog")
            logs = cursor.fetchone()[0]
        self.figures["data"] = (
            f"{recipients:,} recipients, {logs:,} delivery logs, {DELIVERIES} provisional deliveries"
        )

    def _deliveries(self, percentiles, half):
        """The 20 provisional deliveries; returns, per delivery, its hand-written target."""
        channels = list(Channel.objects.filter(code__in=["email", "sms"]).order_by("code"))
        targets = []
        for number in range(DELIVERIES):
            planned = NOW + timedelta(days=1, hours=33 * number)
            fields = {
                "label": f"{LABEL} {number + 1:02d}",
                "channel": channels[number % 2],
                "scheduling_mode": SchedulingMode.PROVISIONAL,
                "state": DeliveryState.EDITION,
                "planned_at": planned,
                "weight": 1 + number % 3,
                "created_at": NOW,
            }
            if number < 18:
                start = round(number * 37) % 100
                end = start + round(_share(number) * 100)
                lo, hi = percentiles[start], percentiles[end % 100]
                bounds = [
                    {"field": "created_at", "op": "gte", "value": lo.isoformat()},
                    {"field": "created_at", "op": "lt", "value": hi.isoformat()},
                ]
                wraps = end >= 100
                fields["target_filter"] = {"any": bounds} if wraps else {"all": bounds}
                where = f"created_at >= %s {'OR' if wraps else 'AND'} created_at < %s"
                sql, params = f"SELECT {{head}}, id FROM campaign_recipient WHERE {where}", [lo, hi]
            elif number == 18:
                fields["target_list"] = half
                sql = (
                    "SELECT {head}, recipient_id FROM campaign_recipientlist_recipients "
                    "WHERE recipientlist_id = %s"
                )
                params = [half.pk]
            else:
                lo, hi = percentiles[10], percentiles[80]
                fields["target_list"] = half
                fields["target_filter"] = {
                    "all": [
                        {"field": "created_at", "op": "gte", "value": lo.isoformat()},
                        {"field": "created_at", "op": "lt", "value": hi.isoformat()},
                    ]
                }
                sql = (
                    "SELECT {head}, r.id FROM campaign_recipientlist_recipients l "
                    "JOIN campaign_recipient r ON r.id = l.recipient_id "
                    "WHERE l.recipientlist_id = %s AND r.created_at >= %s AND r.created_at < %s"
                )
                params = [half.pk, lo, hi]
            delivery = Delivery.objects.create(**fields)
            targets.append((delivery, sql, params))
        return targets

    def _empty_forecasts(self):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(model._meta.db_table for model in TABLES))

    def run_ours(self):
        started = time.perf_counter()
        result = forecasting.build(NOW, HORIZON_DAYS, log=lambda *args, **kwargs: None)
        return {
            "ours: forecast logs": f"{result.logs:,}",
            "ours: profiles excluded": f"{result.excluded:,}",
            "ours: build s": round(time.perf_counter() - started, 2),
        }

    def reset(self):
        self._empty_forecasts()

    def run_baseline(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO forecasting_forecast (computed_at, horizon_end, status, deliveries, logs, "
                "excluded, overruns, duration) VALUES (%s, %s, 'building', 0, 0, 0, 0, 0) RETURNING id",
                [NOW, NOW + timedelta(days=HORIZON_DAYS)],
            )
            forecast = cursor.fetchone()[0]
            parts, params = [], []
            for delivery, sql, target_params in self.targets:
                parts.append(sql.format(head="%s, %s, %s, %s"))
                params += [forecast, delivery.pk, delivery.planned_at, delivery.weight, *target_params]
            started = time.perf_counter()
            cursor.execute(
                "INSERT INTO forecasting_forecastlog "
                "(forecast_id, delivery_id, planned_at, weight, profile_id) " + " UNION ALL ".join(parts),
                params,
            )
            self.figures["baseline: forecast logs s"] = round(time.perf_counter() - started, 2)
            period = timedelta(days=PERIOD_DAYS)
            planned = [delivery.planned_at for delivery, _sql, _params in self.targets]
            started = time.perf_counter()
            cursor.execute(
                BASELINE_EXCLUSIONS,
                {
                    "forecast": forecast,
                    "rule": PressureRule.objects.get().pk,
                    "first": min(planned) - period,
                    "last": max(planned) + period,
                },
            )
            self.figures["baseline: exclusions s"] = round(time.perf_counter() - started, 2)

    def result(self):
        """Per delivery: forecast logs (count, sum of recipient ids, weights, planned
        dates) and exclusions (count, sum of recipient ids)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT d.label, COUNT(*), SUM(f.profile_id), MIN(f.weight), MAX(f.weight), "
                "COUNT(*) FILTER (WHERE f.planned_at <> d.planned_at) "
                "FROM forecasting_forecastlog f JOIN campaign_delivery d ON d.id = f.delivery_id "
                "GROUP BY d.label ORDER BY d.label"
            )
            logs = {row[0]: [int(value) for value in row[1:]] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT d.label, COUNT(*), SUM(x.profile_id) FROM forecasting_forecastexclusion x "
                "JOIN campaign_delivery d ON d.id = x.delivery_id GROUP BY d.label ORDER BY d.label"
            )
            exclusions = {row[0]: [int(value) for value in row[1:]] for row in cursor.fetchall()}
        return {
            "logs": sum(counts[0] for counts in logs.values()),
            "exclusions": sum(counts[0] for counts in exclusions.values()),
            "per_delivery_logs": logs,
            "per_delivery_exclusions": exclusions,
        }

    def teardown(self):
        self._empty_forecasts()
