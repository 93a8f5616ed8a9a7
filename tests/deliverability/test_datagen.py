"""generate_data fills deliverability's tables like a platform reading its bounce
mailbox: bounces of failed email logs (on those logs' addresses), other inbound
messages, a qualification list; cleanup's first dry run deletes a small share."""

from datetime import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import F

from campaign.choices import LogStatus
from campaign.deliverability.choices import LogMatch, MessageKind, QualificationStatus
from campaign.deliverability.models import InboundBounce, LogQualification
from campaign.models import DeliveryLog

pytestmark = pytest.mark.django_db

NOW_ISO = "2026-03-01T12:00:00+01:00"


def generate(preset="tiny", seed="1"):
    out = StringIO()
    call_command("generate_data", "--preset", preset, "--now", NOW_ISO, "--seed", seed, stdout=out)
    return out.getvalue()


@pytest.mark.slow  # generates the demo data set
def test_bounces_are_those_of_failed_email_logs_and_other_messages():
    out = generate("demo")
    assert "inbound_bounces" in out and "log_qualifications" in out
    bounces = InboundBounce.objects.filter(kind=MessageKind.BOUNCE)
    assert bounces.count() > 50
    logs = DeliveryLog.objects.filter(pk__in=bounces.values("log_id"))
    assert logs.count() == bounces.count()
    assert not logs.exclude(status=LogStatus.FAILED).exists()
    assert not logs.exclude(delivery__channel__code="email").exists()
    matched = {log.pk: (log.address, log.failure_reason, log.event_at) for log in logs}
    for bounce in bounces:
        assert (bounce.recipient, bounce.failure_reason, bounce.received_at) == matched[bounce.log_id]
    assert set(bounces.values_list("log_match", flat=True)) == {LogMatch.PLATFORM, LogMatch.ADDRESS}
    others = InboundBounce.objects.exclude(kind=MessageKind.BOUNCE)
    assert {MessageKind.AUTO_REPLY, MessageKind.DELIVERY_NOTICE} <= set(others.values_list("kind", flat=True))
    entries = LogQualification.objects.all()
    assert entries.count() == 40
    assert set(entries.values_list("status", flat=True)) == set(QualificationStatus.values)
    assert not entries.filter(last_seen_at__lt=F("first_seen_at")).exists()
    kept = entries.filter(status=QualificationStatus.KEEP)
    assert not kept.filter(failure_reason="unknown").exists()


def test_the_same_seed_gives_the_same_rows():
    generate(seed="4")
    first = sorted(InboundBounce.objects.values_list("message_key", "kind", "log_match"))
    call_command(
        "generate_data", "--preset", "tiny", "--now", NOW_ISO, "--seed", "4", "--truncate", stdout=StringIO()
    )
    assert sorted(InboundBounce.objects.values_list("message_key", "kind", "log_match")) == first


@pytest.mark.slow  # generates the demo data set
def test_a_first_cleanup_dry_run_deletes_a_small_share(capsys):
    generate("demo")
    with time_machine.travel(datetime.fromisoformat(NOW_ISO), tick=False):
        call_command("run_workflow", "cleanup", "--dry-run")
    line = next(line for line in capsys.readouterr().out.splitlines() if "Inbound bounce messages" in line)
    would = int(line.split("would delete ")[1].split(" ")[0].replace(",", ""))
    assert would < InboundBounce.objects.count() * 0.1
