"""The Alias cleansing screen (Administration › Platform › Alias cleansing): who may see
it and cleanse, the runs (table and chart), the spellings waiting for a target, what a
run would do now, and the CSV of the rows a run changed (through the safe CSV writer)."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from campaign.aliases import cleansing
from workflows.api import WorkflowRun

from .conftest import NOW, recipients

pytestmark = pytest.mark.django_db

URL = "aliases:cleansing"


@pytest.fixture
def two_runs(catalog):
    catalog.alias(catalog.country, "FR", "France")
    recipients("country", ["fr", "=cmd()", "Espagne"])
    first = cleansing.cleanse(NOW).run
    recipients("country", ["FR"])
    second = cleansing.cleanse(NOW + timedelta(days=1)).run
    return first, second


def test_the_screen_needs_a_login_and_the_permission(client, make_operator, supervisor):
    assert client.get(reverse(URL)).status_code == 302  # to the login page
    client.force_login(make_operator("dora", groups=["Delivery operators"]))
    assert client.get(reverse(URL)).status_code == 403
    assert client.post(reverse("aliases:cleanse")).status_code == 403
    client.force_login(supervisor)
    page = client.get(reverse(URL)).content.decode()
    assert "Alias cleansing" in page and 'id="cleanse-now"' in page
    assert 'href="/admin/aliases/"' in page  # the explorer entry, under Platform


def test_the_screen_shows_runs_chart_and_spellings_waiting(client, supervisor, two_runs):
    first, second = two_runs
    client.force_login(supervisor)
    page = client.get(reverse(URL)).content.decode()
    assert f'<tr data-run="{second.pk}">' in page and f'<tr data-run="{first.pk}">' in page
    chart = json.loads(
        re.search(r'id="runs-chart-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert chart["rewritten"] == [1, 1] and chart["collected"] == [2, 0]
    untargeted = page[page.index('id="untargeted"') :]
    assert "Espagne" in untargeted and "=cmd()" in untargeted
    assert "Spellings waiting for a target (2)" in page
    assert 'id="preview"' not in page  # counted only when asked


def test_what_a_run_would_do_now_is_counted_on_demand(client, supervisor, catalog):
    catalog.alias(catalog.country, "FR", "France")
    recipients("country", ["fr", "FR ", "Italia"])
    client.force_login(supervisor)
    page = client.get(reverse(URL) + "?preview=1").content.decode()
    row = re.search(r'<table id="preview">.*?</table>', page, re.S).group(0)
    assert "campaign.Recipient.country" in row and '<td class="number">2</td>' in row
    assert '<td class="number">1</td>' in row  # "Italia" to collect


def test_cleanse_now_queues_a_run_and_a_second_click_is_skipped(client, supervisor, catalog):
    client.force_login(supervisor)
    response = client.post(reverse("aliases:cleanse"), follow=True)
    assert "Alias cleansing queued (run #" in response.content.decode()
    again = client.post(reverse("aliases:cleanse"), follow=True)
    assert "Skipped: run #" in again.content.decode()
    assert WorkflowRun.objects.filter(workflow__name="aliasCleansing").count() == 2


def test_the_rows_a_run_changed_as_csv(client, supervisor, catalog):
    catalog.alias(catalog.country, "FR", "France")
    catalog.alias(catalog.country, "=cmd()", "France")
    ids = recipients("country", ["fr", "=cmd()", "Italia"])
    run = cleansing.cleanse(NOW).run
    client.force_login(supervisor)
    response = client.get(reverse("aliases:run_changes_csv", args=[run.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="alias-cleansing-run-{run.pk}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["binding", "row_id", "old_value", "new_value"],
        ["recipient_country", str(ids[0]), "fr", "France"],
        ["recipient_country", str(ids[1]), "'=cmd()", "France"],  # neutralised
    ]


def test_the_screen_in_french(client, supervisor, two_runs):
    client.force_login(supervisor)
    page = client.get(reverse(URL), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Gestion des alias" in page and "Nettoyer les valeurs maintenant" in page
    assert "Lignes réécrites" in page
