"""Billing reports in the admin: read by the billing operator, "Resend" only with its
permission, journaled."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.urls import reverse

from reporting.models import BillingReport
from workflows.choices import Trigger
from workflows.engine import execute
from workflows.models import WorkflowLog
from workflows.registry import get_spec

PARIS = ZoneInfo("Europe/Paris")
CHANGELIST = "admin:reporting_billingreport_changelist"


@pytest.fixture
def report(world):
    get_user_model().objects.filter(username="billing").update(email="billing@example.com")
    ids = world.recipients(5)
    world.logs(world.delivery(label="Spring"), ids, datetime(2026, 5, 1, tzinfo=PARIS))
    with time_machine.travel(datetime(2026, 5, 25, 0, 0, 10, tzinfo=PARIS), tick=False):
        execute(get_spec("billing"), trigger=Trigger.SCHEDULE)
    mail.outbox.clear()
    return BillingReport.objects.get()


def resend(client, report):
    return client.post(
        reverse(CHANGELIST), {"action": "resend", "_selected_action": [report.pk]}, follow=True
    )


def test_the_billing_operator_reads_the_report_but_cannot_resend(client, report):
    billing_user = get_user_model().objects.get(username="billing")
    client.force_login(billing_user)
    page = client.get(reverse("admin:reporting_billingreport_change", args=[report.pk])).content.decode()
    assert "<td>[Aggregation of 1 small delivery]</td>" in page  # the report itself, as emailed
    assert 'value="resend"' not in client.get(reverse(CHANGELIST)).content.decode()
    resend(client, report)
    assert mail.outbox == []


def test_an_administrator_resends_and_it_is_journaled(client, report, administrator):
    client.force_login(administrator)
    response = resend(client, report)
    assert f"Billing report {report} resent to billing@example.com." in response.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["billing@example.com"]
    report.refresh_from_db()
    assert report.resend_count == 1
    assert WorkflowLog.objects.filter(
        workflow__name="billing", message__contains="resent to billing@example.com by alice"
    ).exists()
    assert LogEntry.objects.filter(
        object_id=str(report.pk), change_message="Resent to billing@example.com"
    ).exists()


def test_resend_with_the_permission_only(client, report, make_operator):
    operator = make_operator("bob")
    operator.user_permissions.add(
        Permission.objects.get(codename="view_billingreport"),
        Permission.objects.get(codename="resend_billingreport"),
    )
    client.force_login(operator)
    resend(client, report)
    assert len(mail.outbox) == 1


def test_resend_without_an_address_says_so_and_sends_nothing(client, report, administrator):
    get_user_model().objects.filter(username="billing").update(email="")
    client.force_login(administrator)
    response = resend(client, report)
    assert "The operator &#x27;billing&#x27; has no email address" in response.content.decode()
    assert mail.outbox == []
    assert BillingReport.objects.get().resend_count == 0
