"""End to end through a real SMTP server (aiosmtpd): one message per period, with the
plain-text and HTML bodies and the CSV attachments; a second run delivers nothing."""

import email
from datetime import datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model

from campaign.devtools.ports import free_port
from reporting.models import BillingReport
from workflows.choices import RunStatus, Trigger
from workflows.engine import execute
from workflows.registry import get_spec

PARIS = ZoneInfo("Europe/Paris")
RUN_AT = datetime(2026, 5, 25, 0, 0, 10, tzinfo=PARIS)


class Mailbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", controller.port, 10
    settings.EMAIL_USE_TLS = False
    yield mailbox
    controller.stop()


def test_the_billing_run_delivers_one_message_per_period(smtp_server, world):
    get_user_model().objects.filter(username="billing").update(email="billing@example.com")
    ids = world.recipients(120)
    delivery = world.delivery(label="May newsletter", started_at=datetime(2026, 5, 2, 9, tzinfo=PARIS))
    world.logs(delivery, ids, datetime(2026, 5, 2, 9, 5, tzinfo=PARIS), size=2048)
    sms = world.delivery("sms", label="Flash sale", started_at=datetime(2026, 5, 10, tzinfo=PARIS))
    world.logs(sms, ids[:7], datetime(2026, 5, 10, 1, tzinfo=PARIS))

    with time_machine.travel(RUN_AT, tick=False):
        first = execute(get_spec("billing"), trigger=Trigger.SCHEDULE)
    with time_machine.travel(RUN_AT + timedelta(hours=2), tick=False):
        second = execute(get_spec("billing"), trigger=Trigger.MANUAL)  # "Run now", same period

    assert first.status == RunStatus.SUCCEEDED, first.error
    assert second.status == RunStatus.SUCCEEDED, second.error
    assert (first.metrics["emails_sent"], second.metrics["emails_sent"]) == (1, 0)
    assert len(smtp_server.envelopes) == 1
    envelope = smtp_server.envelopes[0]
    assert envelope.rcpt_tos == ["billing@example.com"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"].strip() == "[Campaign] Activity report 2026-04-25 – 2026-05-24 (marketing)"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Number of deliveries: 2" in text
    assert "May newsletter | 245760 | 2048 | 120 | x1 | 120" in text
    assert "<td>Flash sale</td>" in html
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {"email-deliveries.csv", "sms-deliveries.csv"}
    assert attachments["email-deliveries.csv"].get_content_type() == "text/csv"
    email_csv = attachments["email-deliveries.csv"].get_content()
    assert email_csv.splitlines()[1] == "2026-05-02,May newsletter,245760,2048,120,1,120"
    assert "2026-05-10,Flash sale,7" in attachments["sms-deliveries.csv"].get_content()
    assert BillingReport.objects.get().sent_to == "billing@example.com"
