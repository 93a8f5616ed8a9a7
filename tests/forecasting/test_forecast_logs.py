"""Forecast logs: which deliveries are forecast, their targets (list, filter, both), and
the rebuild that drops deliveries no longer provisional, cancelled or past."""

from campaign.choices import DeliveryState, ProfileTable, SchedulingMode
from campaign.forecasting.choices import DeliveryOutcome, ForecastStatus
from campaign.forecasting.models import DeliveryForecast, Forecast, ForecastLog
from campaign.models import Recipient

from .conftest import DAY, NOW, at

BELGIANS = {"field": "country", "op": "eq", "value": "BE"}
GMAIL = {"field": "email", "op": "endswith", "value": "@gmail.com"}


def test_a_target_is_a_list_a_filter_or_both(world):
    french = world.recipients(3, country="FR")
    belgians = world.recipients(2, country="BE")
    mixed = world.recipient_list("mixed", [french[0], belgians[0]])
    by_list = world.delivery("List", at(1), target_filter=None, target_list=mixed)
    by_filter = world.delivery("Filter", at(2), target_filter=BELGIANS)
    by_both = world.delivery("Both", at(3), target_filter=BELGIANS, target_list=mixed)
    everyone = world.delivery("Everyone", at(4), target_filter={})
    result = world.forecast()
    assert world.targeted(by_list) == {french[0], belgians[0]}
    assert world.targeted(by_filter) == set(belgians)
    assert world.targeted(by_both) == {belgians[0]}
    assert world.targeted(everyone) == set(french + belgians)
    assert result.logs == 2 + 2 + 1 + 5
    log = ForecastLog.objects.get(delivery=by_filter, profile_id=belgians[1])
    assert log.planned_at == at(2) and log.weight == 1
    assert world.summary(by_both).targeted == 1


def test_the_weight_of_the_delivery_is_copied_on_each_log(world):
    world.recipients(2)
    heavy = world.delivery("Heavy", at(1), weight=7)
    world.forecast()
    assert set(ForecastLog.objects.filter(delivery=heavy).values_list("weight", flat=True)) == {7}


def test_deliveries_without_a_usable_target_are_noted_not_forecast(world):
    world.recipients(2)
    none = world.delivery("No target", at(1), target_filter=None)
    cookies = world.delivery("Cookies", at(2), profile_table=ProfileTable.COOKIE)
    broken = world.delivery("Broken", at(3), target_filter={"field": "shoe_size", "op": "eq", "value": "42"})
    fine = world.delivery("Fine", at(4))
    result = world.forecast()
    outcomes = dict(DeliveryForecast.objects.values_list("delivery__label", "outcome"))
    assert outcomes == {
        "No target": DeliveryOutcome.NO_TARGET,
        "Cookies": DeliveryOutcome.OTHER_PROFILE_TABLE,
        "Broken": DeliveryOutcome.INVALID_TARGET,
        "Fine": DeliveryOutcome.FORECAST,
    }
    assert not world.targeted(none) and not world.targeted(cookies) and not world.targeted(broken)
    assert len(world.targeted(fine)) == 2
    assert result.deliveries == 4
    assert any("“Broken”" in line and "not valid" in line for line in result.lines)


def test_only_provisional_deliveries_planned_in_the_horizon_and_not_sent_are_forecast(world):
    world.recipients(1)
    world.delivery("In", at(1))
    world.delivery("Pending", at(1), state=DeliveryState.PENDING)
    world.delivery("Past", NOW - DAY)
    world.delivery("Beyond the horizon", at(61))
    world.delivery("Scheduled", at(1), mode=SchedulingMode.SCHEDULED)
    world.delivery("Stopped", at(1), state=DeliveryState.STOPPED)
    world.delivery("Deleted", at(1), deleted=True, deleted_at=NOW)
    world.delivery("Unplanned", None)
    world.forecast(horizon_days=60)
    assert set(DeliveryForecast.objects.values_list("delivery__label", flat=True)) == {"In", "Pending"}


def test_deliveries_leaving_the_calendar_lose_their_logs_at_the_next_run(world):
    world.recipients(3)
    confirmed = world.delivery("Confirmed", at(1))
    cancelled = world.delivery("Cancelled", at(2))
    passed = world.delivery("Passed", at(0, hours=5))
    kept = world.delivery("Kept", at(3))
    first = world.forecast()
    assert ForecastLog.objects.count() == 12
    confirmed.scheduling_mode = SchedulingMode.SCHEDULED
    confirmed.save()
    cancelled.state = DeliveryState.STOPPED
    cancelled.save()
    second = world.forecast(now=NOW + DAY)  # "Passed" was planned at NOW + 5 h
    assert ForecastLog.objects.count() == 3
    assert world.targeted(kept) == set(Recipient.objects.values_list("pk", flat=True))
    assert not world.targeted(confirmed) and not world.targeted(cancelled) and not world.targeted(passed)
    assert second.discarded == 12
    assert not Forecast.objects.filter(pk=first.forecast.pk).exists()
    assert Forecast.objects.get().status == ForecastStatus.CURRENT
