"""Pressure rules over the forecast: which profiles each provisional delivery excludes.

For a rule (at most N messages per profile over D days, on one channel or all), for each
profile and each planned delivery in the rule's scope, the window is the period centred
on the planned date: messages less than D days before or after it (Adobe: "a 7-day
period counts 7 days before and 7 days after"). The messages of the profile in that
window are ranked:
1. messages already sent (delivery logs pending, prepared, sent or delivered): they
   cannot be withdrawn, so they take the first places;
2. then the forecast messages, heaviest delivery first; on equal weight the earliest
   planned first; at the same second, the lower delivery id.
The delivery is excluded for the profile when its rank is past N, i.e. when at least N
messages rank ahead of it (exactly N messages in the window is allowed). Each delivery
is judged in its own window against every forecast message, including those of
deliveries that are themselves excluded elsewhere (the forecast does not cascade).

One INSERT … SELECT per rule, with window functions (PostgreSQL and SQLite): the
forecast logs of the build and the relevant delivery logs, partitioned by profile and
ordered by time in whole seconds, with RANGE frames of D days less one second. Per
distinct weight w among the deliveries judged, two counts: messages heavier than w in
the whole window, and messages of weight w strictly earlier in it; a row of weight w
reads the pair of its own weight. Same-second ties of equal weight are ranked by
delivery id with ROW_NUMBER, only when some exist.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection

from campaign.choices import LogStatus, ProfileTable
from campaign.models import Delivery, DeliveryLog

from .models import ForecastExclusion, ForecastLog

# The statuses of messages that reached, or are about to reach, the profile.
SENT_STATUSES = (LogStatus.PENDING, LogStatus.PREPARED, LogStatus.SENT, LogStatus.DELIVERED)

EXCLUSIONS = ForecastExclusion._meta.db_table
LOGS = ForecastLog._meta.db_table
DELIVERY_LOGS = DeliveryLog._meta.db_table
DELIVERIES = Delivery._meta.db_table


def epoch(column):
    """Whole seconds since 1970 of a timestamp column, in the database's dialect."""
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


@dataclass(frozen=True)
class Judged:
    """A delivery a rule judges: its id, planned date and weight."""

    pk: int
    planned_at: object
    weight: int


def _has_ties(judged):
    seen = set()
    for delivery in judged:
        key = (int(delivery.planned_at.timestamp()), delivery.weight)
        if key in seen:
            return True
        seen.add(key)
    return False


def _ahead(weights, ties):
    """The SQL of "messages ranking ahead of this forecast message in its window"."""
    sent = "COUNT(CASE WHEN m.sent = 1 THEN 1 END) OVER around"
    branches = []
    for weight in weights:
        heavier = f"COUNT(CASE WHEN m.sent = 0 AND m.weight > {weight} THEN 1 END) OVER around"
        earlier = f"COUNT(CASE WHEN m.sent = 0 AND m.weight = {weight} THEN 1 END) OVER earlier"
        branches.append(f"WHEN {weight} THEN {heavier} + {earlier}")
    expression = f"{sent} + CASE m.weight {' '.join(branches)} ELSE 0 END"
    if ties:
        expression += (
            " + ROW_NUMBER() OVER (PARTITION BY m.profile_id, m.at_s, m.weight ORDER BY m.delivery_id) - 1"
        )
    return expression


def statement(judged, period_days, channel_id):
    """The INSERT … SELECT of one rule's exclusions; its parameters are, in order: the
    build, the rule, the build again, the channel (when the rule has one), the start and
    end of the delivery logs read, and the threshold."""
    weights = sorted({int(delivery.weight) for delivery in judged}, reverse=True)
    span = period_days * 86400 - 1  # strictly less than the period, in whole seconds
    ids = ", ".join(str(int(delivery.pk)) for delivery in judged)
    statuses = ", ".join(f"'{status}'" for status in SENT_STATUSES)
    ahead = _ahead(weights, _has_ties(judged))
    on_channel = f"JOIN {DELIVERIES} AS d ON d.id = l.delivery_id AND d.channel_id = %s" if channel_id else ""
    return f"""
        INSERT INTO {EXCLUSIONS} (forecast_id, delivery_id, profile_id, rule_id, planned_at)
        SELECT %s, ranked.delivery_id, ranked.profile_id, %s, ranked.planned_at
        FROM (
            SELECT m.delivery_id, m.profile_id, m.planned_at, m.sent, {ahead} AS ahead
            FROM (
                SELECT f.delivery_id, f.profile_id, f.planned_at, f.weight, 0 AS sent,
                       {epoch("f.planned_at")} AS at_s
                FROM {LOGS} AS f
                WHERE f.forecast_id = %s AND f.delivery_id IN ({ids})
                UNION ALL
                SELECT NULL, l.profile_id, NULL, NULL, 1, {epoch("l.event_at")}
                FROM {DELIVERY_LOGS} AS l {on_channel}
                WHERE l.event_at > %s AND l.event_at < %s
                  AND l.profile_table = '{ProfileTable.RECIPIENT}' AND l.status IN ({statuses})
            ) AS m
            WINDOW around AS (PARTITION BY m.profile_id ORDER BY m.at_s
                              RANGE BETWEEN {span} PRECEDING AND {span} FOLLOWING),
                   earlier AS (PARTITION BY m.profile_id ORDER BY m.at_s
                               RANGE BETWEEN {span} PRECEDING AND 1 PRECEDING)
        ) AS ranked
        WHERE ranked.sent = 0 AND ranked.ahead >= %s
    """


def exclude(forecast, rule, judged):
    """Write the exclusions of one pressure rule for the deliveries it judges (those of
    its channel, or all) in the build `forecast`; returns how many rows."""
    if not judged:
        return 0
    period = timedelta(days=rule.period_days)
    first = min(delivery.planned_at for delivery in judged) - period
    last = max(delivery.planned_at for delivery in judged) + period
    adapt = connection.ops.adapt_datetimefield_value
    channel = [rule.channel_id] if rule.channel_id else []
    params = [forecast.pk, rule.pk, forecast.pk, *channel, adapt(first), adapt(last), rule.max_messages]
    with connection.cursor() as cursor:
        cursor.execute(statement(judged, rule.period_days, rule.channel_id), params)
        return cursor.rowcount
