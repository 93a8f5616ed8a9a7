"""The forecasting workflow through the engine: metrics and journal, idempotence, a
failed run that leaves the previous forecast in place, capacity overruns."""

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from campaign import configuration
from campaign.forecasting import pressure
from campaign.forecasting.choices import ForecastStatus, Recurrence
from campaign.forecasting.models import (
    ChannelDayLoad,
    DeliveryForecast,
    Forecast,
    ForecastExclusion,
    ForecastLog,
)
from workflows.api import LogLevel, RunStatus, Workflow, WorkflowLog, run_by_name

from .conftest import DAY, NOW, at

pytestmark = pytest.mark.django_db


def run_forecasting(now=NOW):
    with time_machine.travel(now, tick=False):
        return run_by_name("forecasting")


def snapshot():
    """The current forecast, without ids (which change with every build)."""
    logs = sorted(ForecastLog.objects.values_list("delivery_id", "profile_id", "planned_at", "weight"))
    exclusions = sorted(ForecastExclusion.objects.values_list("delivery_id", "profile_id", "rule_id"))
    summaries = sorted(
        DeliveryForecast.objects.values_list("delivery_id", "targeted", "excluded", "outcome", "day")
    )
    loads = sorted(ChannelDayLoad.objects.values_list("channel_id", "day", "volume", "capacity", "overrun"))
    return logs, exclusions, summaries, loads


def test_the_workflow_is_declared_daily_at_one(world):
    workflow = Workflow.objects.get(name="forecasting")
    assert workflow.default_crontab == "0 1 * * *"


def test_a_run_reports_its_metrics_and_journals_overruns(world):
    people = world.recipients(4)
    world.pressure(max_messages=1, period_days=7, channel="email")
    world.capacity(5, channel="email", recurrence=Recurrence.EVERY_DAY)
    world.delivery("Monday", at(7))
    world.delivery("Tuesday", at(8), target_list=world.recipient_list("two", people[:2]))
    world.delivery("Big day 1", at(20))
    world.delivery("Big day 2", at(20, hours=12), channel="sms")
    run = run_forecasting()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.metrics["deliveries_analysed"] == 4
    assert run.metrics["forecast_logs_written"] == 4 + 2 + 4 + 4
    assert run.metrics["profiles_excluded"] == 2
    assert run.metrics["capacity_overruns"] == 0
    world.capacity(3, channel="sms", recurrence=Recurrence.EVERY_DAY)
    run = run_forecasting()
    assert run.metrics["capacity_overruns"] == 1
    warnings = WorkflowLog.objects.filter(run=run, level=LogLevel.WARNING).values_list("message", flat=True)
    assert [line for line in warnings if "Capacity overrun" in line] == [
        "Capacity overrun: SMS on 2026-03-22, 4 messages forecast for a capacity of 3"
    ]
    forecast = Forecast.objects.current().get()
    assert forecast.run_id == run.pk and forecast.overruns == 1 and forecast.logs == 14


def test_running_twice_gives_the_same_forecast(world):
    people = world.recipients(5)
    world.pressure(max_messages=2, period_days=7)
    world.capacity(4, recurrence=Recurrence.EVERY_DAY)
    world.sent(people[:2], NOW - DAY)
    world.delivery("One", at(1))
    world.delivery("Two", at(2), weight=3)
    world.delivery("Three", at(3), target_list=world.recipient_list("three", people[:3]))
    assert run_forecasting().status == RunStatus.SUCCEEDED
    first = snapshot()
    assert run_forecasting().status == RunStatus.SUCCEEDED
    assert snapshot() == first
    assert Forecast.objects.count() == 1
    assert first[1], "the pressure rule excluded someone"
    assert any(load[4] for load in first[3]), "a capacity overrun was flagged"


def test_a_failed_run_leaves_the_previous_forecast_in_place(world, monkeypatch):
    world.recipients(3)
    world.pressure(max_messages=1, period_days=7)
    world.delivery("One", at(1))
    world.delivery("Two", at(2))
    assert run_forecasting().status == RunStatus.SUCCEEDED
    good = snapshot()
    good_forecast = Forecast.objects.current().get()
    world.delivery("Three", at(3))

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pressure, "exclude", broken)
    failed = run_forecasting(NOW + DAY)
    assert failed.status == RunStatus.FAILED
    assert "disk full" in failed.error
    assert Forecast.objects.current().get() == good_forecast
    assert Forecast.objects.filter(status=ForecastStatus.FAILED).count() == 1
    # The failed build's rows are still there, but nothing current reads them.
    assert ForecastLog.objects.count() > len(good[0])
    assert DeliveryForecast.objects.current().count() == 2

    monkeypatch.undo()
    assert run_forecasting(NOW + DAY).status == RunStatus.SUCCEEDED
    assert Forecast.objects.count() == 1
    assert ForecastLog.objects.count() == 9
    assert DeliveryForecast.objects.current().count() == 3


def test_the_horizon_is_a_setting(world, administrator):
    world.recipients(1)
    world.delivery("In ten days", at(10))
    world.delivery("In forty days", at(40))
    configuration.save({"forecasting.horizon_days": 30}, administrator, now=NOW)
    run = run_forecasting()
    assert run.metrics["deliveries_analysed"] == 1


def test_capacity_counts_the_messages_left_after_pressure_exclusions(world):
    world.recipients(4)
    world.pressure(max_messages=1, period_days=7)
    world.capacity(4, recurrence=Recurrence.EVERY_DAY)
    world.delivery("Morning", at(3, hours=8))
    world.delivery("Evening", at(3, hours=18))  # all four excluded: lighter is later
    world.forecast()
    load = ChannelDayLoad.objects.get()
    assert (load.volume, load.capacity, load.overrun) == (4, 4, False)  # exactly at capacity


def test_working_days_capacity_is_none_at_the_weekend_and_rules_add_up(world):
    world.recipients(3)
    world.capacity(2, label="Call centre A")  # working days by default
    world.capacity(2, label="Call centre B")
    world.capacity(10, label="Expired", valid_until=(NOW - DAY).date(), recurrence=Recurrence.EVERY_DAY)
    world.delivery("Friday", at(4))  # 2026-03-06
    world.delivery("Saturday", at(5))
    world.forecast()
    loads = {
        load.day.isoformat(): (load.volume, load.capacity, load.overrun)
        for load in ChannelDayLoad.objects.all()
    }
    assert loads == {"2026-03-06": (3, 4, False), "2026-03-07": (3, 0, True)}


def test_a_channel_without_capacity_rules_is_unlimited(world):
    world.recipients(3)
    world.capacity(1, channel="sms")
    world.delivery("Email", at(1))
    world.forecast()
    load = ChannelDayLoad.objects.get()
    assert (load.capacity, load.overrun) == (None, False)


def test_days_are_local_days(world):
    """23:30 UTC on 2 March is 00:30 on 3 March in Paris (the platform's TIME_ZONE)."""
    world.recipients(1)
    late = world.delivery("Late", at(0, hours=23) + 30 * DAY / 24 / 60)
    world.forecast()
    assert world.summary(late).day.isoformat() == "2026-03-03"


def test_the_horizon_is_on_the_settings_screen(administrator_client):
    html = administrator_client.get(reverse("campaign:settings")).content.decode()
    assert "Forecast horizon (days)" in html and 'name="forecasting__horizon_days"' in html


def test_the_dry_run_lists_what_a_run_would_analyse_and_changes_nothing(world, capsys):
    people = world.recipients(3)
    world.pressure(max_messages=2, period_days=7, label="Two a week")
    world.delivery("Newsletter", at(2), target_list=world.recipient_list("two", people[:2]))
    world.delivery("No target", at(3), target_filter=None)
    with time_machine.travel(NOW, tick=False):
        call_command("run_workflow", "forecasting", "--dry-run")
    out = capsys.readouterr().out
    assert "2 provisional deliveries planned until 2026-05-01" in out
    assert "“Newsletter”" in out and "2 recipients targeted" in out
    assert "not forecast: No target" in out
    assert "“Two a week”: at most 2 in 7 days, all channels" in out
    assert not Forecast.objects.exists() and not ForecastLog.objects.exists()
