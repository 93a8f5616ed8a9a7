"""Cube reports: the aggregate answers what it covers (and the figures equal those read
from the facts), the facts answer the rest with the reason said; pages need their
permission; a bad selection gets a clear message; the CSV goes through the safe writer."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine

from campaign.choices import EventStatus
from offers.choices import PropositionStatus
from reporting.cubes import aggregates, reports
from reporting.cubes.definitions import MESSAGE_CENTER, PROPOSITIONS
from reporting.cubes.queries import Selection

from .conftest import NOW

pytestmark = pytest.mark.django_db

TODAY = date(2026, 4, 14)


@pytest.fixture
def filled(cube_world):
    """Propositions and events over the last 40 days, both aggregates built."""
    offers = cube_world.catalog()
    newsletter = cube_world.delivery()
    cube_world.delivery('=HYPERLINK("http://evil")')  # a label a spreadsheet would run
    for days in range(0, 40, 3):
        moment = NOW - timedelta(days=days, hours=2)
        cube_world.propositions(
            offers[days % 3], [moment] * 4, PropositionStatus.ACCEPTED, delivery=newsletter
        )
        cube_world.propositions(
            offers[0], [moment] * 2, PropositionStatus.REJECTED, space=cube_world.spaces[0]
        )
        cube_world.propositions(offers[1], [moment] * 3, PropositionStatus.PRESENTED, delivery=newsletter)
    order, reset = cube_world.event_type(), cube_world.event_type("password_reset", "Password reset")
    times = [NOW - timedelta(days=days, hours=1) for days in range(40)]
    cube_world.archived(order, times * 2, EventStatus.SENT, processing=[2.0, 4.0, 9.0])
    cube_world.archived(reset, times[:20], EventStatus.FAILED, channel="sms", processing=[30.0])
    cube_world.archived(reset, times[:5], EventStatus.EXPIRED)
    aggregates.rebuild(PROPOSITIONS, NOW)
    aggregates.rebuild(MESSAGE_CENTER, NOW)
    return cube_world


def figures(rows):
    """(period, values, figures) of rows, floats rounded (sums in another order)."""

    def rounded(value):
        return round(value, 6) if isinstance(value, float) else value

    return [(row.period, row.values, {k: rounded(v) for k, v in row.figures.items()}) for row in rows]


@pytest.mark.parametrize(
    ("cube", "dimensions", "level", "measures"),
    [
        (PROPOSITIONS, ("space", "delivery"), "day", ("accepted", "rejected", "acceptance_rate")),
        (PROPOSITIONS, ("offer",), "month", ("propositions", "acceptance_rate")),
        (PROPOSITIONS, ("channel",), "week", ("propositions", "interested")),
        (PROPOSITIONS, (), "year", ("propositions",)),
        (MESSAGE_CENTER, ("event_type",), "day", ("events", "sent", "processing_time")),
        (MESSAGE_CENTER, ("channel", "status"), None, ("events", "failed", "expired")),
    ],
)
def test_the_aggregate_gives_the_figures_the_facts_give(filled, cube, dimensions, level, measures):
    selection = Selection(dimensions=dimensions, level=level, start=TODAY - timedelta(days=30), end=TODAY)
    from_aggregate = reports.build_report(cube, selection, measures)
    assert from_aggregate.source.aggregate, from_aggregate.source.reason
    source = reports.Source(False, None, "test")
    grouped = reports.grouped_for(cube, selection, source)
    records = grouped.rows(reports.measures_for(cube, measures, source))
    facts = reports._rows_from(cube, selection, measures, records)
    for row in facts:
        row.figures = reports.queries.finish(cube, measures, row.components)
    assert figures(from_aggregate.rows) == figures(facts)
    assert from_aggregate.rows


def test_the_default_offer_analysis_reads_the_aggregate(filled):
    view = reports.default_view(PROPOSITIONS)
    start, end = reports.default_range(view, TODAY)
    selection = Selection(view.dimensions, view.level, start, end)
    report = reports.build_report(PROPOSITIONS, selection, view.measures)
    assert report.source.aggregate
    accepted = sum(row.figures["accepted"] for row in report.rows)
    assert accepted == report.totals["accepted"] == 4 * len(range(0, 30, 3))
    assert report.totals["acceptance_rate"] == pytest.approx(100 * 40 / (40 + 20 + 30))
    labels = {label for row in report.rows for label in row.labels}
    assert {"Email banner (Email)", "Spring newsletter", "(none)"} <= labels
    assert report.chart["by_period"] and len(report.chart["labels"]) == 10


@pytest.mark.parametrize(
    ("selection", "measures", "reason"),
    [
        (
            Selection(("event_type",), "hour"),
            ("events",),
            "finest date level is “Day”: “Hour” figures are read",
        ),
        (Selection(("event_type",), "day"), ("processing_time_p95",), "only be read from the aggregate at"),
    ],
)
def test_what_the_aggregate_cannot_answer_is_read_from_the_facts(filled, selection, measures, reason):
    report = reports.build_report(MESSAGE_CENTER, selection, measures)
    assert not report.source.aggregate
    assert reason in report.source.reason


def test_percentiles_come_from_the_aggregate_at_its_own_grain(filled):
    grain = Selection(("channel", "status", "event_type"), "day")
    report = reports.build_report(MESSAGE_CENTER, grain, ("events", "processing_time_p95"))
    assert report.source.aggregate
    facts = reports.build_report(
        MESSAGE_CENTER, Selection(("channel", "status", "event_type"), "hour"), ("processing_time_p95",)
    )
    assert not facts.source.aggregate
    sent = [row for row in report.rows if row.values[1] == EventStatus.SENT]
    # Two events a day, processed in 2 and 4, 4 and 9, or 9 and 2 s.
    assert {round(row.figures["processing_time_p95"], 6) for row in sent} == {3.9, 8.75, 8.65}
    assert report.totals["processing_time_p95"] is None  # percentiles do not add up


def test_before_any_build_the_report_reads_the_facts(cube_world):
    cube_world.archived(cube_world.event_type(), [NOW - timedelta(days=1)] * 3)
    report = reports.build_report(MESSAGE_CENTER, Selection(("event_type",), "day"), ("events",))
    assert not report.source.aggregate and "has not been built yet" in report.source.reason
    assert report.totals["events"] == 3


# --- pages -----------------------------------------------------------------------------------


@pytest.fixture
def reader_client(client, make_operator):
    client.force_login(make_operator("rita", groups=["Report readers"]))
    return client


@time_machine.travel(NOW, tick=False)
def test_a_report_reader_sees_both_reports_built_from_the_aggregate(filled, reader_client):
    page = reader_client.get("/admin/cubes/propositions/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-source="aggregate"' in html and "Offer analysis" in html
    assert 'data-table="cubes.PropositionDeliverySummary"' in html
    assert 'id="pivot"' in html and 'id="report-chart-data"' in html
    page = reader_client.get("/admin/cubes/message-center/", {"view": "processing_time"})
    html = page.content.decode()
    assert 'data-source="facts"' in html
    assert "95th percentile of processing time can only be read from the aggregate" in html


@time_machine.travel(NOW, tick=False)
def test_pages_need_their_permission(filled, client, make_operator):
    client.force_login(make_operator("olga", groups=["Offer managers"]))
    assert client.get("/admin/cubes/propositions/").status_code == 200
    assert client.get("/admin/cubes/message-center/").status_code == 403
    client.force_login(make_operator("dan", groups=["Delivery operators"]))
    assert client.get("/admin/cubes/propositions/").status_code == 403
    assert client.get("/admin/cubes/propositions/export.csv").status_code == 403
    client.logout()
    assert client.get("/admin/cubes/propositions/").status_code == 302  # to the login page


@time_machine.travel(NOW, tick=False)
def test_a_bad_selection_gets_a_message_and_no_report(filled, reader_client):
    query = {"measures": ["events"], "level": "day", "start": "2026-04-10", "end": "2026-04-01"}
    html = reader_client.get("/admin/cubes/message-center/", query).content.decode()
    assert "The end date is before the start date." in html and 'id="pivot"' not in html
    html = reader_client.get("/admin/cubes/message-center/", {"measures": ["nope"]}).content.decode()
    assert "Select a valid choice" in html and 'id="pivot"' not in html
    html = reader_client.get("/admin/cubes/message-center/", {"show": "Show", "level": ""}).content.decode()
    assert "Choose at least one measure." in html


@time_machine.travel(NOW, tick=False)
def test_the_csv_export_has_every_row_through_the_safe_writer(filled, reader_client):
    query = {
        "dimensions": ["delivery"],
        "level": "",
        "measures": ["propositions", "accepted", "acceptance_rate"],
        "start": "2026-03-01",
        "end": "2026-04-14",
    }
    response = reader_client.get("/admin/cubes/propositions/export.csv", query)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["delivery", "delivery_id", "propositions", "accepted", "acceptance_rate"]
    by_label = {row[0]: row for row in rows[1:]}
    assert by_label["Spring newsletter"][3] == str(4 * 14)
    assert by_label["(none)"][1] == ""
    assert float(by_label["Spring newsletter"][4]) == pytest.approx(100 * 56 / (56 + 42), abs=0.01)


@time_machine.travel(NOW, tick=False)
def test_filters_narrow_the_report(filled, reader_client):
    sms = filled.channel("sms").pk
    query = {"dimensions": ["status"], "level": "", "measures": ["events"], "f_channel": [str(sms)]}
    query.update(start="2026-03-01", end="2026-04-14")
    page = reader_client.get("/admin/cubes/message-center/", query)
    report = page.context["report"]
    assert report.source.aggregate
    assert [(row.labels, row.figures["events"]) for row in report.rows] == [(("Failed",), 20)]


@pytest.mark.parametrize("level", ["day", None])
def test_a_report_cut_at_its_row_limit_keeps_whole_totals_and_chart(filled, level):
    selection = Selection(("event_type", "channel"), level, start=TODAY - timedelta(days=30), end=TODAY)
    measures = ("events", "sent", "processing_time")
    whole = reports.build_report(MESSAGE_CENTER, selection, measures)
    cut = reports.build_report(MESSAGE_CENTER, selection, measures, limit=2)
    assert not whole.truncated and cut.truncated and len(cut.rows) == 2
    assert cut.totals["events"] == whole.totals["events"] == 31 * 2 + 20 + 5
    assert cut.totals["processing_time"] == pytest.approx(whole.totals["processing_time"])
    if level:
        assert cut.chart == whole.chart


def facts_figures(cube, selection, measures):
    source = reports.Source(False, None, "test")
    records = reports.grouped_for(cube, selection, source).rows(reports.measures_for(cube, measures, source))
    rows = reports._rows_from(cube, selection, measures, records)
    for row in rows:
        row.figures = reports.queries.finish(cube, measures, row.components)
    return figures(rows)


@pytest.mark.parametrize(
    ("view_key", "table"),
    [
        ("offer_analysis", "cubes.PropositionDeliverySummary"),
        ("acceptance_by_offer", "cubes.PropositionOfferSummary"),
        ("by_channel", "cubes.PropositionDeliverySummary"),
    ],
)
def test_ready_made_views_read_the_first_summary_that_covers_them(filled, view_key, table):
    view = {view.key: view for view in reports.views_of(PROPOSITIONS)}[view_key]
    start, end = reports.default_range(view, TODAY)
    selection = Selection(view.dimensions, view.level, start, end)
    report = reports.build_report(PROPOSITIONS, selection, view.measures)
    assert report.source.aggregate and report.source.target.model == table
    assert report.rows and figures(report.rows) == facts_figures(PROPOSITIONS, selection, view.measures)


@pytest.mark.parametrize(
    ("start", "end", "table"),
    [
        (date(2026, 3, 1), date(2026, 3, 31), "cubes.PropositionOfferSummary"),  # whole months
        (date(2026, 3, 1), TODAY, "cubes.PropositionOfferSummary"),  # up to the build's day
        (date(2026, 3, 16), TODAY, "cubes.PropositionAggregate"),  # half a month
        (date(2026, 3, 1), date(2026, 3, 20), "cubes.PropositionAggregate"),
    ],
)
def test_a_monthly_summary_answers_whole_months_only(filled, start, end, table):
    selection = Selection(("offer",), "month", start, end)
    report = reports.build_report(PROPOSITIONS, selection, ("propositions", "acceptance_rate"))
    assert report.source.target.model == table
    assert figures(report.rows) == facts_figures(PROPOSITIONS, selection, ("propositions", "acceptance_rate"))
