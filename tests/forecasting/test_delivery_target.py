"""A delivery's target on the core's delivery form: one definition (campaign.targeting)
that the estimate shown while editing and the forecast both read."""

import json

import pytest
from django.urls import reverse

from campaign import targeting
from campaign.choices import ProfileTable
from campaign.models import Delivery

from .conftest import at

BELGIANS = {"field": "country", "op": "eq", "value": "BE"}


def form_data(delivery, **changes):
    data = {
        "label": delivery.label,
        "channel": delivery.channel_id,
        "profile_table": delivery.profile_table,
        "state": delivery.state,
        "created_at_0": "2026-02-20",
        "created_at_1": "10:00:00",
        "scheduling_mode": delivery.scheduling_mode,
        "planned_at_0": "2026-03-03",
        "planned_at_1": "11:00:00",
        "target_list": delivery.target_list_id or "",
        "target_filter": json.dumps(delivery.target_filter) if delivery.target_filter is not None else "",
        "weight": delivery.weight,
    }
    data.update(changes)
    return data


@pytest.fixture
def delivery(world):
    world.recipients(3, country="FR")
    belgians = world.recipients(2, country="BE")
    return world.delivery(
        "Benelux", at(1), target_filter=BELGIANS, target_list=world.recipient_list("all BE", belgians[:1])
    )


def change_url(delivery):
    return reverse("admin:campaign_delivery_change", args=[delivery.pk])


def test_the_form_shows_the_estimate_of_the_saved_target(administrator_client, delivery):
    html = administrator_client.get(change_url(delivery)).content.decode()
    assert "1 recipient (saved target)" in html
    Delivery.objects.filter(pk=delivery.pk).update(target_list=None)
    html = administrator_client.get(change_url(delivery)).content.decode()
    assert "2 recipients (saved target)" in html
    Delivery.objects.filter(pk=delivery.pk).update(target_filter=None)
    html = administrator_client.get(change_url(delivery)).content.decode()
    assert "No target: choose a list, a filter or both." in html


def test_the_estimate_and_the_forecast_read_the_same_target(world, delivery):
    world.forecast()
    estimate = targeting.delivery_recipients(delivery)
    assert set(estimate.values_list("pk", flat=True)) == world.targeted(delivery)
    assert world.summary(delivery).targeted == estimate.count() == 1


def test_saving_a_new_target_updates_the_estimate(administrator_client, delivery):
    data = form_data(
        delivery, target_list="", target_filter=json.dumps({"field": "country", "op": "eq", "value": "FR"})
    )
    response = administrator_client.post(change_url(delivery), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    delivery.refresh_from_db()
    assert delivery.target_filter == {"field": "country", "op": "eq", "value": "FR"}
    assert delivery.target_list_id is None
    assert "3 recipients (saved target)" in administrator_client.get(change_url(delivery)).content.decode()


@pytest.mark.parametrize(
    "target_filter, message",
    [
        ({"field": "shoe_size", "op": "eq", "value": "42"}, "unknown field &#x27;shoe_size&#x27;"),
        ({"field": "country", "op": "like", "value": "F"}, "unknown operator &#x27;like&#x27;"),
        ([1, 2], "a filter is an object"),
    ],
)
def test_a_bad_filter_is_refused_with_its_reason_and_changes_nothing(
    administrator_client, delivery, target_filter, message
):
    response = administrator_client.post(
        change_url(delivery), form_data(delivery, target_filter=json.dumps(target_filter))
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.target_filter == BELGIANS


def test_a_target_needs_the_recipient_profile_table(administrator_client, delivery):
    response = administrator_client.post(
        change_url(delivery), form_data(delivery, profile_table=ProfileTable.COOKIE)
    )
    assert response.status_code == 200
    assert "A target list or filter selects recipients" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.profile_table == ProfileTable.RECIPIENT


def test_a_list_used_as_a_target_cannot_be_deleted(administrator_client, delivery):
    response = administrator_client.post(
        reverse("admin:campaign_recipientlist_delete", args=[delivery.target_list_id]), {"post": "yes"}
    )
    assert response.status_code == 200
    assert "Cannot delete recipient list" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.target_list_id is not None


def test_the_weight_is_between_1_and_100(administrator_client, delivery):
    response = administrator_client.post(change_url(delivery), form_data(delivery, weight=0))
    assert response.status_code == 200
    delivery.refresh_from_db()
    assert delivery.weight == 1
