"""Quarantine transitions where failures are recorded, and their release by cleanup,
with time travel: hard → quarantine at once; soft counted at most once a day, the
failure past the 5th quarantines; the count restarts after 10 quiet days; cleanup
releases "with errors" after a later success, 10 quiet days, or 30 days after
"mailbox full"; quarantined and denylisted addresses are never released."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from campaign.choices import LogStatus, QuarantineStatus
from campaign.deliverability import quarantine
from campaign.deliverability.quarantine import Current, QuarantinePolicy, record_failure, transition
from campaign.deliverability.successes import stamp_successes
from campaign.models import Channel, Quarantine
from workflows.api import RunStatus, run_by_name

from .conftest import settle_logs

pytestmark = pytest.mark.django_db(transaction=True)

DAY0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = QuarantinePolicy()
ADDRESS = "jane@example.com"


def at(days=0, hours=0):
    return DAY0 + timedelta(days=days, hours=hours)


def fail(failure_type="soft", reason="unreachable", days=0, hours=0, address=ADDRESS):
    """Record a failure as process_bounces does, at that moment (time travel)."""
    with time_machine.travel(at(days, hours), tick=False):
        return record_failure(
            address, Channel.objects.get(code="email"), failure_type, reason, timezone.now(), POLICY
        )


def record(address=ADDRESS):
    return Quarantine.objects.get(address=address, channel__code="email")


def cleanup(days, hours=0):
    with time_machine.travel(at(days, hours), tick=False):
        run = run_by_name("cleanup")
    assert run.status == RunStatus.SUCCEEDED, run.error
    return record().status


def test_transition_rules():
    valid = Current(QuarantineStatus.VALID, 0, None)
    assert transition(valid, "hard", "user_unknown", DAY0, POLICY)["status"] == QuarantineStatus.QUARANTINE
    assert transition(valid, "ignored", "not_connected", DAY0, POLICY) is None
    assert transition(Current(QuarantineStatus.QUARANTINE, 1, DAY0), "soft", "", at(5), POLICY) is None
    assert transition(Current(QuarantineStatus.DENYLISTED, 0, DAY0), "hard", "", at(5), POLICY) is None
    with_errors = Current(QuarantineStatus.WITH_ERRORS, 5, DAY0)
    assert transition(with_errors, "soft", "refused", at(0, 23), POLICY) is None  # not significant
    assert transition(with_errors, "soft", "refused", at(1), POLICY)["status"] == QuarantineStatus.QUARANTINE
    assert transition(with_errors, "soft", "refused", at(11), POLICY)["error_count"] == 1  # restarted


def test_a_hard_failure_quarantines_at_once_and_is_never_released():
    assert fail("hard", "user_unknown") == QuarantineStatus.QUARANTINE
    assert (record().error_count, record().last_error_reason) == (1, "user_unknown")
    assert cleanup(days=400) == QuarantineStatus.QUARANTINE


def test_soft_failures_count_once_a_day_and_the_sixth_quarantines():
    assert fail() == QuarantineStatus.WITH_ERRORS
    assert fail(hours=3) == QuarantineStatus.WITH_ERRORS  # same day: not counted
    assert record().error_count == 1
    for day in range(1, 5):
        assert fail(days=day) == QuarantineStatus.WITH_ERRORS
    assert record().error_count == 5
    assert fail(days=5, hours=-1) == QuarantineStatus.WITH_ERRORS  # 23 h after the last counted one
    assert record().error_count == 5
    assert fail(days=5) == QuarantineStatus.QUARANTINE
    assert record().error_count == 6


def test_the_counter_restarts_after_ten_quiet_days():
    fail()
    fail(days=1)
    assert record().error_count == 2
    fail(days=12)
    assert (record().status, record().error_count) == (QuarantineStatus.WITH_ERRORS, 1)
    assert record().last_error_at == at(12)


def test_cleanup_releases_an_address_with_errors_after_ten_quiet_days():
    fail()
    assert cleanup(days=9) == QuarantineStatus.WITH_ERRORS
    assert cleanup(days=10, hours=1) == QuarantineStatus.VALID
    assert record().error_count == 0


def test_mailbox_full_is_released_after_thirty_days():
    fail(reason="mailbox_full")
    assert cleanup(days=11) == QuarantineStatus.WITH_ERRORS
    assert cleanup(days=30, hours=1) == QuarantineStatus.VALID


def test_an_address_with_errors_is_released_after_a_later_success(world):
    fail()
    delivery = world.delivery(at=at(2))
    world.log(delivery, ADDRESS, at(2), status=LogStatus.DELIVERED)
    world.log(delivery, "someone@example.com", at(2), status=LogStatus.DELIVERED, profile_id=2)
    settle_logs()
    with time_machine.travel(at(2, 1), tick=False):
        stamped = stamp_successes(timezone.now())
    assert stamped.records_stamped == 1
    assert record().last_success_at == at(2)
    assert cleanup(days=2, hours=2) == QuarantineStatus.VALID


def test_a_success_before_the_last_error_releases_nothing(world):
    delivery = world.delivery(at=at(0))
    world.log(delivery, ADDRESS, at(0), status=LogStatus.SENT)
    fail(days=1)
    settle_logs()
    with time_machine.travel(at(1, 1), tick=False):
        stamp_successes(timezone.now())
    assert cleanup(days=1, hours=2) == QuarantineStatus.WITH_ERRORS


def test_denylisted_addresses_are_never_released():
    with time_machine.travel(DAY0, tick=False):
        assert quarantine.denylist(ADDRESS, Channel.objects.get(code="email"), timezone.now()) == "denylisted"
    assert fail("hard", "user_unknown", days=1) == QuarantineStatus.DENYLISTED
    assert cleanup(days=400) == QuarantineStatus.DENYLISTED


def test_a_change_made_meanwhile_is_not_overwritten():
    fail()
    stale = record()
    Quarantine.objects.filter(pk=stale.pk).update(
        status=QuarantineStatus.QUARANTINE
    )  # an operator, meanwhile
    changes = transition(
        Current(stale.status, stale.error_count, stale.last_error_at), "soft", "", at(2), POLICY
    )
    assert quarantine._compare_and_set(stale, changes, at(2)) is False
    assert record().status == QuarantineStatus.QUARANTINE
    assert fail(days=2) == QuarantineStatus.QUARANTINE  # re-read: quarantined addresses are left alone
