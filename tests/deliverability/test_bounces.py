"""process_bounces on a real Maildir folder: bounces recorded once, on the delivery log
named by the platform's header or return path (else the address's latest delivery),
quarantine updated, auto-replies, notices and complaints told apart, malformed
messages moved aside and counted."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from campaign.choices import LogStatus, QuarantineStatus
from campaign.deliverability.choices import LogMatch, MessageKind
from campaign.deliverability.models import InboundBounce, LogQualification
from campaign.models import DeliveryLog, Quarantine

from .conftest import CORPUS

pytestmark = pytest.mark.django_db(transaction=True)

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ARRIVED = SENT + timedelta(hours=2)


def dsn(
    recipient,
    status="5.1.1",
    diagnostic="550 5.1.1 User unknown",
    *,
    log_id=None,
    to="bounces@platform.example",
    action="failed",
    message_id="<b1@mta.example>",
):
    """A delivery status notification (RFC 3464) as an MTA writes it."""
    header = f"X-Campaign-Log-Id: {log_id}\n" if log_id else ""
    return f"""Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mta.example>
To: {to}
Subject: Undelivered Mail Returned to Sender
Message-ID: {message_id}
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mta.example

Final-Recipient: rfc822; {recipient}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--B
Content-Type: text/rfc822-headers

From: news@platform.example
To: {recipient}
Subject: Our news
{header}
--B--
""".replace("\n", "\r\n").encode()


def process(maildir, *args):
    with time_machine.travel(ARRIVED, tick=False):
        call_command("process_bounces", "--maildir", str(maildir.path), "--json", *args)


def output(capsys):
    return json.loads(capsys.readouterr().out)["mailboxes"][0]


def test_a_bounce_is_recorded_on_the_log_the_platform_named(maildir, world, capsys):
    delivery = world.delivery(at=SENT)
    named = world.log(delivery, "jane@example.com", SENT)
    later = world.log(world.delivery(at=SENT), "jane@example.com", SENT + timedelta(minutes=30))
    maildir.add(dsn("jane@example.com", log_id=named.id))
    process(maildir)
    figures = output(capsys)
    assert figures["bounce"] == 1 and figures["logs_matched_by_platform"] == 1 and figures["logs_failed"] == 1
    named.refresh_from_db()
    assert (named.status, named.failure_type, named.failure_reason) == (
        LogStatus.FAILED,
        "hard",
        "user_unknown",
    )
    assert "550 5.1.1 User unknown" in named.error_text
    assert DeliveryLog.objects.get(pk=later.pk).status == LogStatus.SENT  # not the latest: the named one
    assert Quarantine.objects.get(address="jane@example.com").status == QuarantineStatus.QUARANTINE
    bounce = InboundBounce.objects.get()
    assert (bounce.log_id, bounce.log_match, bounce.recorded) == (named.id, LogMatch.PLATFORM, True)
    assert bounce.rule is not None and bounce.status_code == "5.1.1"
    assert maildir.count() == 0 and maildir.count("Processed") == 1


def test_the_return_path_names_the_log_too(maildir, world, capsys):
    log = world.log(world.delivery(at=SENT), "joe@example.com", SENT)
    maildir.add(
        dsn("joe@example.com", "4.2.2", "452 4.2.2 Mailbox full", to=f"bounces+{log.id}@platform.example")
    )
    process(maildir)
    log.refresh_from_db()
    assert (log.failure_type, log.failure_reason) == ("soft", "mailbox_full")
    assert InboundBounce.objects.get().log_match == LogMatch.PLATFORM
    entry = Quarantine.objects.get(address="joe@example.com")
    assert (entry.status, entry.error_count, entry.last_error_reason) == ("with_errors", 1, "mailbox_full")


def test_a_header_naming_another_address_s_log_is_not_trusted(maildir, world, capsys):
    delivery = world.delivery(at=SENT)
    someone_else = world.log(delivery, "boss@example.com", SENT, profile_id=2)
    own = world.log(delivery, "jane@example.com", SENT)
    maildir.add(dsn("jane@example.com", log_id=someone_else.id))
    process(maildir)
    assert DeliveryLog.objects.get(pk=someone_else.pk).status == LogStatus.SENT
    assert DeliveryLog.objects.get(pk=own.pk).status == LogStatus.FAILED
    assert InboundBounce.objects.get().log_match == LogMatch.ADDRESS


def test_without_a_header_the_latest_delivery_to_the_address_is_used(maildir, world, capsys):
    older = world.log(
        world.delivery(at=SENT - timedelta(days=3)), "Jane@Example.com", SENT - timedelta(days=3)
    )
    latest = world.log(world.delivery(at=SENT), "jane@example.com", SENT)
    after = world.log(
        world.delivery(at=ARRIVED + timedelta(hours=1)), "jane@example.com", ARRIVED + timedelta(hours=1)
    )
    maildir.add(dsn("jane@example.com"))
    process(maildir)
    assert output(capsys)["logs_matched_by_address"] == 1
    statuses = dict(DeliveryLog.objects.values_list("pk", "status"))
    assert statuses == {older.pk: "sent", latest.pk: "failed", after.pk: "sent"}


def test_a_bounce_without_a_log_is_retried_then_given_up(maildir, world, capsys):
    maildir.add(dsn("nobody@example.com"))
    process(maildir)
    assert InboundBounce.objects.get().log_match == LogMatch.PENDING
    log = world.log(world.delivery(at=SENT), "nobody@example.com", SENT)  # imported late
    process(maildir)
    assert InboundBounce.objects.get().log_match == LogMatch.ADDRESS
    assert DeliveryLog.objects.get(pk=log.pk).status == LogStatus.FAILED

    maildir.add(dsn("ghost@example.com", message_id="<b2@mta.example>"))
    process(maildir)
    with time_machine.travel(ARRIVED + timedelta(days=8), tick=False):
        call_command("process_bounces", "--maildir", str(maildir.path))
    assert InboundBounce.objects.get(recipient="ghost@example.com").log_match == LogMatch.NONE


def test_each_message_is_processed_once(maildir, world, capsys):
    world.log(world.delivery(at=SENT), "jane@example.com", SENT)
    raw = dsn("jane@example.com", "5.7.1", "554 5.7.1 Message rejected as spam")
    maildir.add(raw)
    process(maildir)
    first = output(capsys)
    process(maildir)
    assert output(capsys)["messages"] == 0  # filed: nothing left to read
    maildir.add(raw)  # the same message delivered twice to the mailbox
    process(maildir)
    again = output(capsys)
    assert (first["bounce"], again["duplicates"], again["bounce"]) == (1, 1, 0)
    assert Quarantine.objects.get(address="jane@example.com").error_count == 1
    assert InboundBounce.objects.count() == 1


def test_auto_replies_notices_and_complaints_are_told_apart(maildir, world, capsys):
    maildir.add(
        b"From: jane@example.com\r\nTo: news@platform.example\r\nSubject: Out of office\r\n"
        b"Auto-Submitted: auto-replied\r\nMessage-ID: <ooo@example.com>\r\n\r\nI am away until Monday.\r\n"
    )
    maildir.add(
        dsn("joe@example.com", "2.0.0", "250 2.0.0 OK", action="delivered", message_id="<d1@mta.example>")
    )
    maildir.add_file("arf-02.eml")
    process(maildir)
    figures = output(capsys)
    assert (figures["auto_reply"], figures["delivery_notice"], figures["complaint"]) == (1, 1, 1)
    assert figures["bounce"] == 0 and figures["logs_failed"] == 0
    complaint = InboundBounce.objects.get(kind=MessageKind.COMPLAINT)
    assert Quarantine.objects.get(address=complaint.recipient).status == QuarantineStatus.DENYLISTED
    assert not Quarantine.objects.filter(address__in=["jane@example.com", "joe@example.com"]).exists()
    assert maildir.count("Processed") == 3


def test_malformed_messages_are_moved_aside_and_counted(maildir, world, capsys):
    maildir.add(b"\x00\x01\x02 not a mail at all")
    maildir.add(b"Subject: hello\r\n\r\nJust a note, not a bounce.\r\n")
    maildir.add(dsn("jane@example.com"))
    process(maildir)
    figures = output(capsys)
    assert (figures["malformed"], figures["unrecognised"], figures["bounce"]) == (1, 1, 1)
    assert maildir.count("Malformed") == 1 and maildir.count("Unrecognised") == 1
    assert maildir.count("Processed") == 1 and maildir.count() == 0


def test_an_unmatched_text_goes_to_the_qualification_list(maildir, world, capsys):
    maildir.add(dsn("jane@example.com", "5.0.0", "599 something nobody has seen 12345"))
    process(maildir)
    bounce = InboundBounce.objects.get()
    assert (bounce.failure_type, bounce.failure_reason, bounce.rule) == ("soft", "unknown", None)
    assert LogQualification.objects.get().text == "5.0.0 599 something nobody has seen #xxx#"


def test_the_whole_corpus_is_processed_without_a_failure(maildir, world, capsys):
    for path in sorted((CORPUS / "messages").glob("*.eml")):
        maildir.add(path.read_bytes())
    process(maildir)
    figures = output(capsys)
    assert figures["messages"] == 180
    assert figures["bounce"] >= 160 and figures["complaint"] == 5 and figures["malformed"] == 0
    assert maildir.count() == 0
    assert Quarantine.objects.filter(status=QuarantineStatus.QUARANTINE).count() > 30


def test_bad_arguments_fail_with_one_line(tmp_path, db):
    with pytest.raises(CommandError, match="no bounce mailbox") as caught:
        call_command("process_bounces", "--no-imap")
    assert caught.value.returncode == 2
    (tmp_path / "plain").mkdir()
    with pytest.raises(CommandError, match="is not a Maildir folder"):
        call_command("process_bounces", "--maildir", str(tmp_path / "plain"))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("process_bounces", "--maildir", str(tmp_path / "missing"))
