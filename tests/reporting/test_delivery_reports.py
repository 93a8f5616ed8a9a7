"""The delivery report pages: login and permission, what they show from the aggregates
and the indicators, the filters (bad input: a clear message), the CSV export."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse

from campaign.tracking import indicators
from campaign.tracking.models import TrackingLog
from reporting import aggregates

from .test_aggregates import NOW, platform, tracking  # noqa: F401  (fixtures)

STATISTICS = reverse("reporting:delivery_statistics")


@pytest.fixture
def built(platform, time_machine):  # noqa: F811
    indicators.recompute(NOW)
    aggregates.rebuild(NOW)
    time_machine.move_to(NOW, tick=False)
    return platform


def report_url(delivery):
    return reverse("reporting:delivery_report", args=[delivery.pk])


def test_pages_need_login_and_the_report_permission(client, make_operator, built):
    email, _sms = built
    nobody = make_operator("nobody")
    for url in (STATISTICS, report_url(email), reverse("reporting:delivery_statistics_csv")):
        client.logout()
        assert client.get(url).status_code == 302
        client.force_login(nobody)
        assert client.get(url).status_code == 403
    for group in ("Report readers", "Delivery operators"):
        client.force_login(make_operator(group.replace(" ", ""), groups=[group]))
        assert client.get(STATISTICS).status_code == 200
        assert client.get(report_url(email)).status_code == 200


def test_the_statistics_show_totals_rows_and_when_the_aggregate_was_built(administrator_client, built):
    email, sms = built
    response = administrator_client.get(STATISTICS, {"start": "2026-06-01", "end": "2026-06-10"})
    html = response.content.decode()
    assert "Daily aggregates built at 2026-06-10 02:00" in html
    assert response.context["totals"]["targeted"] == 14 and response.context["totals"]["opens"] == 3
    rows = {row["delivery_id"]: row for row in response.context["page"].object_list}
    assert rows[email.pk]["targeted"] == 10 and rows[email.pk]["clicks"] == 3
    assert rows[sms.pk]["sent"] == 3
    assert f'href="{report_url(email)}"' in html
    assert 'id="daily-chart"' in html and 'id="daily-chart-data"' in html
    only_sms = administrator_client.get(
        STATISTICS, {"start": "2026-06-01", "end": "2026-06-10", "channel": "sms"}
    )
    assert [row["delivery_id"] for row in only_sms.context["page"].object_list] == [sms.pk]


def test_the_default_range_is_the_last_30_days(administrator_client, built):
    response = administrator_client.get(STATISTICS)
    form = response.context["form"]
    assert (form.cleaned_data["start"], form.cleaned_data["end"]) == (date(2026, 5, 12), date(2026, 6, 10))
    assert response.context["totals"]["targeted"] == 14


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-06-10", "end": "2026-06-01"}, "The first day must not be after the last day."),
        ({"start": "2020-01-01", "end": "2026-06-01"}, "Choose at most 731 days."),
        ({"start": "yesterday"}, "Enter a valid date."),
        ({"channel": "pigeon"}, "Select a valid choice."),
    ],
)
def test_bad_filters_get_a_clear_message(administrator_client, built, query, message):
    response = administrator_client.get(STATISTICS, query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "page" not in response.context or response.context.get("page") is None
    csv_response = administrator_client.get(reverse("reporting:delivery_statistics_csv"), query)
    assert csv_response.status_code == 400


def test_the_csv_export_has_every_row_and_neutralises_formulas(administrator_client, built):
    email, _sms = built
    type(email).objects.filter(pk=email.pk).update(label="=HYPERLINK(evil)")
    response = administrator_client.get(
        reverse("reporting:delivery_statistics_csv"), {"start": "2026-06-01", "end": "2026-06-10"}
    )
    assert response["Content-Type"] == "text/csv"
    assert "delivery-statistics-20260601-20260610.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:5] == ["delivery_id", "delivery", "channel", "first_day", "targeted"]
    by_id = {int(row[0]): row for row in rows[1:]}
    assert by_id[email.pk][1] == "'=HYPERLINK(evil)"
    assert by_id[email.pk][4] == "10"
    assert len(rows) == 3


def test_the_delivery_report_shows_indicators_charts_failures_domains_and_links(administrator_client, built):
    email, _sms = built
    response = administrator_client.get(report_url(email))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="indicators"' in html and "Indicators computed at" in html
    report = response.context["report"]
    assert report.indicators.recipient_opens == 3
    assert [row["failure_reason"] for row in report.reasons][:1] == ["user_unknown"]
    assert "User unknown" in html
    assert {row["domain"] for row in report.domains} == {"example.com", "mail.example.org"}
    assert report.links[0]["hits"] == 3 and report.links[0]["adobe_type"] == 1
    assert 'id="hourly-chart"' in html and 'id="daily-chart"' in html
    assert (
        sum(opens for _hour, opens, _clicks in report.hourly)
        == TrackingLog.objects.filter(kind="open").count()
    )
    assert "Daily aggregates built at" in html


def test_a_report_before_any_aggregate_says_so(administrator_client, tracking):  # noqa: F811
    delivery = tracking.delivery()
    html = administrator_client.get(report_url(delivery)).content.decode()
    assert "The daily aggregates have not been built yet" in html
    assert 'id="no-indicators"' in html
    assert administrator_client.get(reverse("reporting:delivery_report", args=[999999])).status_code == 404
