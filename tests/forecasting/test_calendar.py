"""The provisional calendar screen: permissions, month and week views with volumes,
daily totals per channel and capacity overruns, bad input, CSV, Forecast now, the
home-page block, and no query per delivery."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from campaign.choices import DeliveryState
from campaign.forecasting.choices import Recurrence
from tests.query_counts import assert_no_n_plus_one
from workflows.api import RunStatus, WorkflowRun

from .conftest import NOW, at

URL = "/admin/forecasting/calendar/"
MARCH = f"{URL}?view=month&date=2026-03-01"
WEEK = f"{URL}?view=week&date=2026-03-04"  # Monday 2 to Sunday 8 March


@pytest.fixture
def operator(make_operator):
    return make_operator("olga", groups=["Delivery operators"])


@pytest.fixture
def planned(world):
    """Two email deliveries on 3 March (one capped by a pressure rule), an SMS on 5
    March over its capacity, one delivery created after the forecast."""
    people = world.recipients(4)
    world.pressure(max_messages=1, period_days=2, channel="email")
    world.capacity(3, channel="sms", recurrence=Recurrence.EVERY_DAY)
    world.delivery("Spring newsletter", at(1), weight=2)
    world.delivery("Spring reminder", at(1, hours=15), target_list=world.recipient_list("two", people[:2]))
    world.delivery('=HYPERLINK("http://x")', at(3), channel="sms")
    world.forecast()
    world.delivery("Added later", at(4))
    return people


def get(client, url):
    with time_machine.travel(NOW, tick=False):
        return client.get(url)


def test_the_url_is_the_one_the_sidebar_links_to():
    assert reverse("forecasting:calendar") == URL


def test_anonymous_users_go_to_the_login_page(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/admin/login/")


@pytest.mark.parametrize(
    "group, allowed",
    [("Delivery operators", True), ("Report readers", True), ("Workflow supervisors", False)],
)
def test_who_may_see_it(client, make_operator, group, allowed):
    client.force_login(make_operator("op", groups=[group]))
    assert get(client, URL).status_code == (200 if allowed else 403)
    assert get(client, reverse("forecasting:calendar_csv")).status_code == (200 if allowed else 403)


def test_the_month_shows_deliveries_volumes_totals_and_overruns(client, operator, planned):
    client.force_login(operator)
    html = get(client, MARCH).content.decode()
    assert 'id="calendar-title">March 2026<' in html
    assert "Provisional calendar" in html  # breadcrumbs from the explorer
    day_3 = html.split('data-day="2026-03-03"')[1].split("</td>")[0]
    assert "Spring newsletter" in day_3 and "Spring reminder" in day_3
    assert 'data-value="4"' in day_3  # the newsletter reaches all four
    assert 'data-value="0"' in day_3  # the reminder's two are excluded
    assert 'data-channel="email" data-volume="4" data-capacity="" data-overrun="no"' in day_3
    day_5 = html.split('data-day="2026-03-05"')[1].split("</td>")[0]
    assert 'class="day overrun"' in html.split('data-day="2026-03-05"')[0][-60:]
    assert 'data-channel="sms" data-volume="4" data-capacity="3" data-overrun="yes"' in day_5
    assert "over capacity" in day_5
    assert 'id="overrun-banner"' in html and "1 capacity overrun in this period" in html
    day_6 = html.split('data-day="2026-03-06"')[1].split("</td>")[0]
    assert "Added later" in day_6 and "not forecast yet" in day_6
    assert "calendar-chart-data" in html


def test_the_week_shows_details_per_delivery(client, operator, planned):
    client.force_login(operator)
    html = get(client, WEEK).content.decode()
    assert "Week of 2 March 2026" in html
    reminder = html.split("Spring reminder")[2].split("</li>")[0]
    assert 'class="targeted" data-value="2"' in reminder and 'class="excluded" data-value="2"' in reminder
    assert "At most 1 in 2 days" in reminder  # the rule that excluded them
    assert 'data-day="2026-03-09"' not in html


def test_french(client, operator, planned):
    client.force_login(operator)
    with time_machine.travel(NOW, tick=False):
        html = client.get(MARCH, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Calendrier prévisionnel" in html and "Mars 2026" in html
    assert "dépassement de capacité" in html


def test_a_changed_delivery_is_marked_and_shown_again_where_it_is_now(client, operator, planned, world):
    from campaign.models import Delivery

    moved = Delivery.objects.get(label="Spring newsletter")
    moved.planned_at = at(9)
    moved.save()
    Delivery.objects.filter(label="Spring reminder").update(state=DeliveryState.STOPPED)
    client.force_login(operator)
    html = get(client, MARCH).content.decode()
    day_3 = html.split('data-day="2026-03-03"')[1].split("</td>")[0]
    assert day_3.count('data-status="changed"') == 2
    day_11 = html.split('data-day="2026-03-11"')[1].split("</td>")[0]
    assert "Spring newsletter" in day_11 and 'data-status="not_forecast"' in day_11


@pytest.mark.parametrize(
    "query, message", [("view=year", "Unknown view"), ("date=2026-13-01", "is not a date")]
)
def test_bad_parameters_say_so_and_show_the_current_month(client, operator, query, message):
    client.force_login(operator)
    response = get(client, f"{URL}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'id="calendar-title">March 2026<' in html


def test_without_forecast_the_deliveries_show_without_figures(client, operator, world):
    world.recipients(1)
    world.delivery("Lonely", at(2))
    client.force_login(operator)
    html = get(client, MARCH).content.decode()
    assert "No forecast yet" in html and "Lonely" in html and "not forecast yet" in html


def test_csv_export_of_the_period(client, operator, planned):
    client.force_login(operator)
    response = get(client, reverse("forecasting:calendar_csv") + "?view=month&date=2026-03-01")
    assert response["Content-Type"] == "text/csv"
    assert "provisional-calendar-month-2026-03-01.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["delivery"] for row in rows] == [
        "Spring newsletter",
        "Spring reminder",
        '\'=HYPERLINK("http://x")',  # neutralised by the platform's CSV writer
        "Added later",
    ]
    assert rows[1]["recipients_targeted"] == "2" and rows[1]["profiles_excluded"] == "2"
    assert rows[1]["messages_forecast"] == "0" and rows[3]["status"] == "not_forecast"


def test_forecast_now_needs_the_run_permission_and_queues_a_run(client, operator, supervisor, world):
    client.force_login(operator)
    assert client.post(reverse("forecasting:forecast_now")).status_code == 403
    assert 'id="forecast-now"' not in get(client, URL).content.decode()
    supervisor.groups.add(*operator.groups.all())
    client.force_login(supervisor)
    assert 'id="forecast-now"' in get(client, URL).content.decode()
    response = client.post(
        reverse("forecasting:forecast_now"), {"next": "https://evil.example/"}, follow=True
    )
    run = WorkflowRun.objects.get(workflow__name="forecasting")
    assert run.status == RunStatus.QUEUED and run.triggered_by == supervisor
    assert f"Forecast queued (run #{run.pk})" in response.content.decode()
    assert response.redirect_chain[-1][0] == URL


def test_the_home_page_shows_the_week_ahead(client, operator, planned):
    client.force_login(operator)
    html = get(client, "/admin/").content.decode()
    block = html.split('id="home-provisional_week"')[1].split("</section>")[0]
    assert "3 provisional deliveries in the next 7 days: 8 messages forecast." in block
    assert "SMS: 4 messages for a capacity of 3" in block


def test_the_page_makes_no_query_per_delivery(client, operator, world):
    world.recipients(2)
    world.capacity(1, channel="sms", recurrence=Recurrence.EVERY_DAY)
    made = []

    def add_rows(count):
        """Deliveries over March, on two channels; the last one made is not forecast."""
        for number in range(len(made), len(made) + count):
            made.append(
                world.delivery(f"Delivery {number}", at(number % 28), channel=("email", "sms")[number % 2])
            )
        world.forecast()
        made.append(world.delivery(f"Late {count}", at(count % 28)))

    client.force_login(operator)
    with time_machine.travel(NOW, tick=False):
        assert_no_n_plus_one(client, MARCH, add_rows)
        html = client.get(MARCH).content.decode()
    # The late delivery of the first round was forecast in the second.
    assert html.count('data-status="forecast"') == 301 and html.count('data-status="not_forecast"') == 1


@pytest.mark.parametrize(
    "model", ["forecastlog", "forecastexclusion", "pressurerule", "capacityrule", "forecast"]
)
def test_the_admin_lists_make_no_query_per_row(administrator_client, world, model):
    people = world.recipients(300)
    made = {"count": 0}

    def add_rows(count):
        for number in range(made["count"], made["count"] + count):
            world.pressure(max_messages=1, period_days=1 + number, label=f"Rule {number}", channel="sms")
            world.capacity(1 + number, channel=("email", "sms")[number % 2], label=f"Capacity {number}")
        made["count"] += count
        world.delivery(
            f"First {count}", at(1), target_list=world.recipient_list(f"list {count}", people[:count])
        )
        world.delivery(
            f"Second {count}",
            at(1, hours=12),
            target_list=world.recipient_list(f"again {count}", people[:count]),
        )
        world.forecast()

    with time_machine.travel(NOW, tick=False):
        assert_no_n_plus_one(administrator_client, reverse(f"admin:forecasting_{model}_changelist"), add_rows)
