"""Pressure rules: messages sent plus forecast in the window centred on each planned
date, ranked by weight then planned date; past the threshold, the delivery excludes
the profile."""

from datetime import timedelta

from campaign.choices import LogStatus

from .conftest import DAY, NOW, at


def test_exactly_at_the_threshold_nothing_is_excluded_one_more_is(world):
    alice, bob = world.recipients(2)
    rule = world.pressure(max_messages=2, period_days=7)
    first = world.delivery("First", at(1), target_list=world.recipient_list("both", [alice, bob]))
    second = world.delivery("Second", at(2))
    world.forecast()
    assert world.excluded(first) == set() and world.excluded(second) == set()

    third = world.delivery("Third", at(3), target_list=world.recipient_list("alice", [alice]))
    result = world.forecast()
    assert world.excluded(third, rule) == {alice}
    assert world.excluded(first) == set() and world.excluded(second) == set()
    assert world.summary(third).excluded == 1
    assert world.summary(third).volume == 0
    assert world.summary(third).excluded_per_rule == {str(rule.pk): 1}
    assert world.summary(second).volume == 2
    assert result.excluded == 1


def test_on_equal_weight_the_earliest_planned_delivery_wins(world):
    (alice,) = world.recipients(1)
    world.pressure(max_messages=1, period_days=7)
    later = world.delivery("Later", at(3))
    earlier = world.delivery("Earlier", at(1))
    world.forecast()
    assert world.excluded(earlier) == set()
    assert world.excluded(later) == {alice}


def test_the_heavier_delivery_wins_even_when_planned_later(world):
    (alice,) = world.recipients(1)
    world.pressure(max_messages=1, period_days=7)
    light = world.delivery("Light", at(1), weight=1)
    heavy = world.delivery("Heavy", at(4), weight=5)
    middle = world.delivery("Middle", at(2), weight=3)
    world.forecast()
    assert world.excluded(heavy) == set()
    assert world.excluded(middle) == {alice}
    assert world.excluded(light) == {alice}


def test_at_the_same_second_and_weight_the_lower_delivery_id_wins(world):
    (alice,) = world.recipients(1)
    world.pressure(max_messages=1, period_days=7)
    first = world.delivery("First made", at(2))
    second = world.delivery("Second made", at(2))
    world.forecast()
    assert world.excluded(first) == set()
    assert world.excluded(second) == {alice}


def test_the_window_is_the_period_before_and_after_the_planned_date_excluded_bounds(world):
    (alice,) = world.recipients(1)
    world.pressure(max_messages=1, period_days=7)
    anchor = world.delivery("Anchor", at(10))
    just_out = world.delivery("Seven days later", at(17))
    just_in = world.delivery("A second less than seven days before", at(3) + timedelta(seconds=1))
    world.forecast()
    # Anchor (day 10) and day 3 + 1 s are 7 days less a second apart: in one window.
    assert world.excluded(just_in) == set()
    assert world.excluded(anchor) == {alice}
    # Day 17 is exactly 7 days after the anchor and 14 days after day 3: alone.
    assert world.excluded(just_out) == set()


def test_each_delivery_is_judged_in_its_own_window_without_cascading(world):
    """A, B, C one message each, 5 days apart, at most 1 in 7 days: B (in A's window) is
    excluded; C sees only B in its window, and B counts although B is itself excluded."""
    (alice,) = world.recipients(1)
    world.pressure(max_messages=1, period_days=7)
    a = world.delivery("A", at(0), weight=3)
    b = world.delivery("B", at(5), weight=2)
    c = world.delivery("C", at(10), weight=1)
    world.forecast()
    assert world.excluded(a) == set()
    assert world.excluded(b) == {alice}
    assert world.excluded(c) == {alice}


def test_messages_already_sent_take_the_first_places_whatever_their_weight(world):
    alice, bob = world.recipients(2)
    world.pressure(max_messages=2, period_days=7)
    world.sent([alice], NOW - 2 * DAY)
    world.sent([alice], NOW - 1 * DAY, status=LogStatus.DELIVERED)
    world.sent([bob], NOW - 1 * DAY, status=LogStatus.FAILED)  # never reached Bob
    world.sent([bob], NOW - 8 * DAY)  # outside the window of a delivery on day 1
    heavy = world.delivery("Heavy", at(1), weight=100)
    world.forecast()
    assert world.excluded(heavy) == {alice}


def test_a_rule_on_one_channel_counts_and_judges_that_channel_only(world):
    (alice,) = world.recipients(1)
    sms_rule = world.pressure(max_messages=1, period_days=7, channel="sms")
    world.sent([alice], NOW - DAY, channel="email")
    email = world.delivery("Email", at(1), channel="email")
    first_sms = world.delivery("SMS 1", at(2), channel="sms")
    second_sms = world.delivery("SMS 2", at(3), channel="sms")
    world.forecast()
    assert world.excluded(email) == set()
    assert world.excluded(first_sms) == set()
    assert world.excluded(second_sms, sms_rule) == {alice}


def test_two_rules_count_each_profile_once_per_delivery_and_once_per_rule(world):
    alice, bob = world.recipients(2)
    weekly = world.pressure(max_messages=1, period_days=7, label="Weekly")
    monthly = world.pressure(max_messages=2, period_days=30, label="Monthly")
    world.pressure(max_messages=1, period_days=1, label="Inactive", active=False)
    world.delivery("Day 1", at(1))
    world.delivery("Day 10", at(10))
    day_12 = world.delivery("Day 12", at(12), target_list=world.recipient_list("alice", [alice]))
    world.forecast()
    # Day 12: within 7 days of day 10 (weekly) and third in 30 days (monthly).
    assert world.excluded(day_12, weekly) == {alice}
    assert world.excluded(day_12, monthly) == {alice}
    summary = world.summary(day_12)
    assert summary.excluded == 1
    assert summary.excluded_per_rule == {str(weekly.pk): 1, str(monthly.pk): 1}
    assert summary.targeted == 1 and summary.volume == 0


def test_profiles_are_judged_one_by_one(world):
    people = world.recipients(6)
    world.pressure(max_messages=1, period_days=7)
    world.sent(people[:2], NOW - DAY)
    everyone = world.delivery("Everyone", at(1))
    half = world.delivery("Half", at(2), target_list=world.recipient_list("half", people[:3]))
    world.forecast()
    assert world.excluded(everyone) == set(people[:2])
    assert world.excluded(half) == set(people[:3])
    assert world.summary(everyone).volume == 4
    assert world.summary(half).volume == 0
