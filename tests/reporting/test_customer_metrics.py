"""The Customer metrics screen: permissions, numbers equal to an independent SQL count,
allowance warnings, the daily series, CSV export and Recount now."""

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from campaign import configuration
from campaign.choices import EventStatus, ExternalProfileKind, LogStatus, ProfileTable
from reporting import activity
from reporting.models import ActiveProfileSnapshot
from workflows.choices import RunStatus, Trigger
from workflows.engine import execute
from workflows.models import WorkflowRun
from workflows.registry import get_spec

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 6, 10, 1, 0, tzinfo=PARIS)
URL = "reporting:customer_metrics"


@pytest.fixture
def reader(make_operator):
    return make_operator("rita", groups=["Report readers"])


def independent_counts(start, end):
    """Active profiles straight from the delivery logs and messages, hand-written SQL."""
    sql = """
        SELECT profile_table, COUNT(DISTINCT profile_id) FROM (
            SELECT log.profile_table, log.profile_id
            FROM campaign_deliverylog log
            JOIN campaign_delivery d ON d.id = log.delivery_id
            JOIN campaign_channel c ON c.id = d.channel_id
            WHERE c.counts_for_billing AND log.event_at >= %s AND log.event_at <= %s
            UNION ALL
            SELECT e.profile_table, e.profile_id
            FROM campaign_event e JOIN campaign_channel c ON c.id = e.channel_id
            WHERE c.counts_for_billing AND e.profile_id IS NOT NULL
              AND e.status IN ('processed', 'sent', 'ignored', 'failed')
              AND e.processed_at >= %s AND e.processed_at <= %s
        ) AS activity GROUP BY profile_table
    """
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(start), adapt(end)] * 2)
        per_table = dict(cursor.fetchall())
        cursor.execute("SELECT COUNT(*) FROM campaign_recipient")
        recipients = cursor.fetchone()[0]
        cursor.execute("SELECT COUNT(*) FROM campaign_externalprofile")
        externals = cursor.fetchone()[0]
    return per_table, recipients + externals


def populated(world):
    recipients = world.recipients(30)
    cookies = world.externals(ExternalProfileKind.COOKIE, 12, linked_to=recipients[:4])
    mobiles = world.externals(ExternalProfileKind.MOBILE, 5)
    world.logs(world.delivery(), recipients[:20], NOW - timedelta(days=200))  # purged later, still active
    world.logs(world.delivery("sms"), recipients[10:25], NOW - timedelta(days=3), status=LogStatus.FAILED)
    world.logs(world.delivery("facebook"), recipients[25:], NOW - timedelta(days=3))  # not counted
    world.logs(world.delivery(), recipients[28:], NOW - timedelta(days=400))  # too old
    world.logs(world.delivery(table=ProfileTable.COOKIE), cookies[:9], NOW - timedelta(days=60))
    world.message(mobiles[0], NOW - timedelta(days=2), channel="push", table=ProfileTable.MOBILE)
    world.message(recipients[26], NOW - timedelta(days=2), channel="email")
    world.message(recipients[27], NOW - timedelta(days=2), status=EventStatus.ERROR)


def number(html, element_id):
    match = re.search(rf'id="{element_id}" data-value="(\d+)"', html)
    assert match, f"{element_id} not on the page"
    return int(match.group(1))


def row_value(html, table_id, attribute, key, cell="active"):
    section = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    match = re.search(rf'data-{attribute}="{key}">.*?class="{cell}" data-value="(\d+)"', section, re.S)
    assert match, f"{key} not in {table_id}"
    return int(match.group(1))


def test_the_screen_needs_a_login_and_the_permission(client, make_operator):
    response = client.get(reverse(URL))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(make_operator("dora", groups=["Delivery operators"]))
    assert client.get(reverse(URL)).status_code == 403
    assert client.get(reverse("reporting:snapshots_csv")).status_code == 403
    assert client.post(reverse("reporting:recount")).status_code == 403


def test_the_numbers_equal_an_independent_sql_count(client, reader, world):
    populated(world)
    with time_machine.travel(NOW, tick=False):
        run = execute(get_spec("billingActiveContactCount"), trigger=Trigger.MANUAL)
    assert run.status == RunStatus.SUCCEEDED, run.error
    client.force_login(reader)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        html = client.get(reverse(URL)).content.decode()

    expected, profiles = independent_counts(activity.window_start(NOW, 12), NOW)
    assert expected == {"recipient": 26, "cookie": 9, "mobile": 1}  # the data set is what we think
    assert number(html, "active-total") == sum(expected.values())
    assert number(html, "profiles-total") == profiles == 30 + 12 + 5
    for table in ProfileTable.values:
        assert row_value(html, "per-table", "table", table) == expected.get(table, 0)
    assert row_value(html, "per-table", "table", "cookie", cell="profiles") == 12
    # email: 20 recipients by delivery, 1 by Message Center, 9 cookie ids (tables add up per channel)
    assert row_value(html, "per-channel", "channel", "email") == 30
    assert row_value(html, "per-channel", "channel", "sms") == 15
    assert row_value(html, "per-channel", "channel", "push") == 1
    assert 'data-channel="facebook"' not in html
    assert f'href="{reverse("admin:workflows_workflowrun_change", args=[run.pk])}"' in html
    assert "Facebook, Twitter" in html  # the definition names the excluded channels
    assert "appears under both" in html
    assert 'id="active-chart"' in html and "vendor/chartjs/chart.umd.min.js" in html


def test_the_allowance_warns_above_90_and_above_100_percent(client, reader, world, settings):
    ids = world.recipients(10)
    world.logs(world.delivery(), ids, NOW - timedelta(days=1))
    activity.bring_up_to_date(NOW, 12)
    activity.snapshot(NOW, 12)
    client.force_login(reader)
    levels = {}
    for allowance in (20, 11, 10, 9):
        configuration.save({"reporting.active_profiles_allowance": allowance}, None)
        html = client.get(reverse(URL)).content.decode()
        levels[allowance] = re.search(r'id="allowance" class="[^"]*" data-level="(\w+)"', html).group(1)
    assert levels == {20: "ok", 11: "warning", 10: "warning", 9: "over"}
    assert "The allowance is exceeded." in html
    assert "111.1 % used" in html


def test_an_administrator_sets_the_allowance_on_the_settings_screen(administrator_client, world):
    ids = world.recipients(10)
    world.logs(world.delivery(), ids, NOW - timedelta(days=1))
    activity.bring_up_to_date(NOW, 12)
    activity.snapshot(NOW, 12)
    html = administrator_client.get(reverse(URL)).content.decode()
    assert 'data-level="none"' in html and "No contracted allowance is set." in html
    assert f'href="{reverse("campaign:settings")}"' in html
    settings_page = administrator_client.get(reverse("campaign:settings"))
    assert "Contracted active profiles" in settings_page.content.decode()
    form = settings_page.context["form"]
    data = {name: field.initial for name, field in form.fields.items()}  # every app's settings as they are
    data["reporting__active_profiles_allowance"] = "12"
    response = administrator_client.post(reverse("campaign:settings"), data)
    assert response.status_code == 302
    html = administrator_client.get(reverse(URL)).content.decode()
    assert "Contracted allowance: 12 active profiles; 83.3 % used." in html
    # Recount now sits next to the figure.
    headline = html[html.index('class="metrics-total-line"') :]
    assert headline.index('id="recount"') < headline.index('id="allowance"')


def test_a_reader_is_told_an_administrator_sets_the_allowance(client, reader, world):
    activity.snapshot(NOW, 12)
    client.force_login(reader)
    html = client.get(reverse(URL)).content.decode()
    assert "An administrator sets it on the Settings screen." in html
    assert reverse("campaign:settings") not in html
    assert client.get(reverse("campaign:settings")).status_code == 403


def test_the_chart_shows_the_last_snapshot_of_each_day_over_30_days_or_a_year(client, reader, world):
    for days_ago, extra in ((200, 0), (20, 0), (1, 0), (1, 3)):
        ids = world.recipients(1)
        world.logs(world.delivery(), ids, NOW - timedelta(days=days_ago, hours=1))
        moment = NOW - timedelta(days=days_ago) + timedelta(hours=extra)
        activity.bring_up_to_date(moment, 12)
        activity.snapshot(moment, 12)
    client.force_login(reader)
    with time_machine.travel(NOW, tick=False):
        month = client.get(reverse(URL)).context["series"]
        year = client.get(reverse(URL), {"range": "1y"}).context["series"]
        bad = client.get(reverse(URL), {"range": "forever"})
    assert [total for _, total in month] == [2, 4]  # 9 June: the later of two snapshots
    assert [total for _, total in year] == [1, 2, 4]
    assert bad.status_code == 200 and bad.context["range"] == "30d"


def test_the_csv_export_has_one_line_per_snapshot(client, reader, world):
    ids = world.recipients(3)
    world.logs(world.delivery("sms"), ids, NOW - timedelta(days=1))
    activity.bring_up_to_date(NOW, 12)
    activity.snapshot(NOW - timedelta(days=1), 12)
    activity.snapshot(NOW, 12)
    client.force_login(reader)
    response = client.get(reverse("reporting:snapshots_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 2
    assert rows[1]["active_profiles"] == "3" and rows[1]["channel_sms"] == "3"
    assert rows[1]["active_recipient"] == "3" and rows[1]["profiles_total"] == "3"
    assert rows[1]["excluded_channels"] == "facebook twitter"


def test_recount_now_needs_its_permission_and_queues_a_run(client, reader, administrator):
    client.force_login(reader)
    assert client.post(reverse("reporting:recount")).status_code == 403
    assert 'id="recount"' not in client.get(reverse(URL)).content.decode()
    client.force_login(administrator)
    assert 'id="recount"' in client.get(reverse(URL)).content.decode()
    response = client.post(reverse("reporting:recount"), follow=True)
    run = WorkflowRun.objects.get(workflow__name="billingActiveContactCount")
    assert run.status == RunStatus.QUEUED and run.triggered_by == administrator
    assert f"Recount queued (run #{run.pk})" in response.content.decode()
    again = client.post(reverse("reporting:recount"), follow=True)
    assert "is already queued" in again.content.decode()
    assert WorkflowRun.objects.filter(status=RunStatus.QUEUED).count() == 1
    # The queued run, executed by a worker, snapshots with a link back to it.
    execute(get_spec("billingActiveContactCount"), trigger=Trigger.MANUAL, run_id=run.pk)
    assert ActiveProfileSnapshot.objects.get().run_id == run.pk


def test_an_empty_platform_shows_how_to_get_a_count(client, reader):
    client.force_login(reader)
    html = client.get(reverse(URL)).content.decode()
    assert "No active profile count yet" in html


def test_the_billing_operator_reads_billing_reports_and_readers_do_not(client, reader, django_user_model):
    billing_user = django_user_model.objects.get(username="billing")
    assert billing_user.has_perm("reporting.view_billingreport")
    assert not reader.has_perm("reporting.view_billingreport")
    client.force_login(billing_user)
    assert client.get(reverse("admin:reporting_billingreport_changelist")).status_code == 200
    client.force_login(reader)
    assert client.get(reverse("admin:reporting_billingreport_changelist")).status_code == 403
