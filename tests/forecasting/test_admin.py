"""Typology rules in the admin (administrators edit, delivery operators read) and the
read-only lists of what the forecast wrote."""

import pytest
from django.urls import reverse

from campaign.forecasting.models import CapacityRule, PressureRule

from .conftest import at


@pytest.fixture
def operator(make_operator):
    return make_operator("olga", groups=["Delivery operators"])


def test_an_administrator_adds_a_pressure_rule_and_an_operator_only_reads_them(
    client, administrator, operator
):
    data = {"label": "Three a week", "active": "on", "channel": "", "max_messages": "3", "period_days": "7"}
    client.force_login(operator)
    assert client.get(reverse("admin:forecasting_pressurerule_changelist")).status_code == 200
    assert client.post(reverse("admin:forecasting_pressurerule_add"), data).status_code == 403
    assert not PressureRule.objects.exists()
    client.force_login(administrator)
    assert client.post(reverse("admin:forecasting_pressurerule_add"), data).status_code == 302
    rule = PressureRule.objects.get()
    assert (rule.max_messages, rule.period_days, rule.channel) == (3, 7, None)
    assert "All channels" in client.get(reverse("admin:forecasting_pressurerule_changelist")).content.decode()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"max_messages": "0"}, "greater than or equal to 1"),
        ({"period_days": "366"}, "less than or equal to 365"),
    ],
)
def test_a_bad_pressure_rule_is_refused(administrator_client, changes, message):
    data = {"label": "Bad", "active": "on", "channel": "", "max_messages": "3", "period_days": "7"} | changes
    response = administrator_client.post(reverse("admin:forecasting_pressurerule_add"), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not PressureRule.objects.exists()


def test_a_capacity_rule_ending_before_it_starts_is_refused(administrator_client, world):
    data = {
        "label": "Call centre",
        "active": "on",
        "channel": world.channel("mail").pk,
        "daily_quantity": "150",
        "recurrence": "working_days",
        "valid_from": "2026-03-10",
        "valid_until": "2026-03-01",
    }
    response = administrator_client.post(reverse("admin:forecasting_capacityrule_add"), data)
    assert response.status_code == 200
    assert "The end of validity comes before its start." in response.content.decode()
    data["valid_until"] = "2026-12-31"
    assert administrator_client.post(reverse("admin:forecasting_capacityrule_add"), data).status_code == 302
    assert CapacityRule.objects.get().daily_quantity == 150


def test_forecast_logs_are_read_only_and_searched_by_recipient(administrator_client, world):
    people = world.recipients(3)
    world.delivery("One", at(1))
    world.forecast()
    url = reverse("admin:forecasting_forecastlog_changelist")
    assert administrator_client.get(url + "?q=abc").status_code == 200
    html = administrator_client.get(url + f"?q={people[1]}").content.decode()
    assert html.count('class="field-profile_id"') == 1
    assert administrator_client.get(reverse("admin:forecasting_forecastlog_add")).status_code == 403
