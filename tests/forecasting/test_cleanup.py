"""Forecasting's tables in cleanup: the purge of forecast logs of past deliveries (data
class "forecast_logs", 30 days by default) and the purge with a deleted delivery."""

import pytest

from campaign import cleanup
from campaign.forecasting.models import DeliveryForecast, ForecastExclusion, ForecastLog
from campaign.models import Delivery, RetentionPeriod
from campaign.retention import Retention
from workflows.plugins import data_classes, delivery_children

from .conftest import DAY, NOW, at

pytestmark = pytest.mark.django_db


def purge(now, *only):
    lines = []
    cleanup.run_steps(now, log=lines.append, only=only or None)
    return lines


def forecast_two_deliveries(world):
    people = world.recipients(3)
    world.pressure(max_messages=1, period_days=7)
    early = world.delivery("Early", at(1))
    late = world.delivery("Late", at(40), target_list=world.recipient_list("two", people[:2]))
    world.delivery("Late bis", at(41))
    world.forecast()
    return early, late


def test_the_data_class_keeps_the_value_operators_saved_under_its_key(world):
    declared = {data_class.key: data_class for data_class in data_classes()}
    assert declared["forecast_logs"].default_days == 30
    RetentionPeriod.objects.update_or_create(key="forecast_logs", defaults={"days": 12})
    assert Retention.load().days("forecast_logs") == 12


def test_logs_of_deliveries_planned_longer_ago_than_the_retention_are_purged(world):
    early, late = forecast_two_deliveries(world)
    assert ForecastExclusion.objects.filter(delivery=early).count() == 0
    late_exclusions = ForecastExclusion.objects.count()
    assert late_exclusions == 2
    # 30 days after "Early" (day 1, 10:00) it stays; one second later it goes.
    purge(at(31), "forecast_logs")
    assert ForecastLog.objects.filter(delivery=early).count() == 3
    lines = purge(at(31) + DAY / 86400, "forecast_logs")
    assert ForecastLog.objects.filter(delivery=early).count() == 0
    assert ForecastLog.objects.filter(delivery=late).count() == 2
    assert ForecastExclusion.objects.count() == late_exclusions
    assert "Forecast logs of past deliveries: 3 rows deleted" in lines[0]


def test_an_empty_retention_keeps_them_forever(world):
    forecast_two_deliveries(world)
    RetentionPeriod.objects.update_or_create(key="forecast_logs", defaults={"days": None})
    lines = purge(NOW + 1000 * DAY, "forecast_logs")
    assert ForecastLog.objects.count() == 8
    assert "kept forever" in lines[0]


def test_forecasting_tables_go_with_their_deleted_delivery(world):
    early, late = forecast_two_deliveries(world)
    declared = {(child.model, child.fk) for child in delivery_children()}
    assert ("forecasting.ForecastLog", "delivery") in declared
    Delivery.objects.filter(pk=late.pk).update(deleted=True, deleted_at=NOW - 30 * DAY)
    purge(NOW, "deleted_deliveries")
    assert not Delivery.objects.filter(pk=late.pk).exists()
    assert ForecastLog.objects.filter(delivery_id=late.pk).count() == 0
    assert ForecastExclusion.objects.filter(delivery_id=late.pk).count() == 0
    assert not DeliveryForecast.objects.filter(delivery_id=late.pk).exists()
    assert ForecastLog.objects.filter(delivery=early).count() == 3


def test_the_dry_run_counts_them(world):
    forecast_two_deliveries(world)
    rows = {(row.step, row.table): row.rows for row in cleanup.preview(at(32))}
    assert rows[("forecast_logs", "forecasting_forecastlog")] == 3
    assert rows[("forecast_logs", "forecasting_forecastexclusion")] == 0
