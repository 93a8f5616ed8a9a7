"""Forecast logs: one row per recipient a provisional delivery targets, written by one
INSERT … SELECT per delivery from its target (campaign.targeting, the definition the
estimate on the delivery's form reads too)."""

from django.core.exceptions import ValidationError
from django.db import connection

from campaign import targeting
from campaign.choices import ProfileTable

from .choices import DeliveryOutcome
from .models import ForecastLog

LOGS = ForecastLog._meta.db_table

INSERT = f"""
    INSERT INTO {LOGS} (forecast_id, delivery_id, profile_id, planned_at, weight)
    SELECT %s, %s, target.id, %s, %s FROM ({{selection}}) AS target
"""


def outcome_of(delivery):
    """Whether the delivery can be forecast, and why not."""
    if delivery.profile_table != ProfileTable.RECIPIENT:
        return DeliveryOutcome.OTHER_PROFILE_TABLE
    if not targeting.has_target(delivery):
        return DeliveryOutcome.NO_TARGET
    try:
        targeting.check(delivery.target_filter)
    except ValidationError:
        return DeliveryOutcome.INVALID_TARGET
    return DeliveryOutcome.FORECAST


def write(forecast, delivery):
    """Write the delivery's forecast logs into the build `forecast`: returns how many."""
    selection = targeting.delivery_recipients(delivery).order_by().values_list("id", flat=True)
    sql, params = selection.query.sql_with_params()
    planned_at = connection.ops.adapt_datetimefield_value(delivery.planned_at)
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT.format(selection=sql), [forecast.pk, delivery.pk, planned_at, delivery.weight, *params]
        )
        return cursor.rowcount
