"""qualify(): rules in priority order, custom rules over ruleset rules, transient codes
never hard, unmatched texts recorded (normalised, counted, capped), operators'
decisions in the qualification list."""

import pytest
from django.utils import timezone

from campaign.deliverability.choices import MatchKind, QualificationStatus, RuleOrigin
from campaign.deliverability.models import LogQualification, QualificationRule
from campaign.deliverability.qualification import (
    MAX_OCCURRENCES,
    DatabaseQualifier,
    Qualifier,
    Rule,
    normalise,
    status_of,
)

pytestmark = pytest.mark.django_db


def custom_rule(pattern, failure_type, reason, priority=1000, kind=MatchKind.SUBSTRING):
    now = timezone.now()
    return QualificationRule.objects.create(
        pattern=pattern,
        match_kind=kind,
        failure_type=failure_type,
        failure_reason=reason,
        priority=priority,
        origin=RuleOrigin.CUSTOM,
        created_at=now,
        updated_at=now,
    )


def test_the_shipped_rules_qualify_the_usual_replies():
    qualifier = Qualifier.from_database()
    cases = {
        "550 5.1.1 <a@example.com>: Recipient address rejected: User unknown": ("hard", "user_unknown"),
        "552 5.2.2 Mailbox full": ("soft", "mailbox_full"),
        "Host or domain name not found. Name service error for name=exampel.com": ("hard", "invalid_domain"),
        "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org": (
            "soft",
            "refused",
        ),
        "connect to mx.example.com[192.0.2.1]:25: Connection timed out": ("soft", "unreachable"),
        "550 5.2.1 The email account that you tried to reach is disabled": ("soft", "account_disabled"),
    }
    for text, expected in cases.items():
        result = qualifier.qualify(text)
        assert (result.failure_type, result.failure_reason) == expected, text
        assert result.rule is not None and result.rule.rule_id is not None


def test_the_first_rule_by_priority_wins():
    qualifier = Qualifier(
        [
            Rule("quota", "substring", "soft", "mailbox_full", 200),
            Rule("user", "substring", "hard", "user_unknown", 100),
        ]
    )
    assert qualifier.qualify("user over quota").failure_reason == "user_unknown"


def test_a_custom_rule_wins_over_a_ruleset_rule_with_the_same_pattern():
    shipped = QualificationRule.objects.from_feed().filter(match_kind=MatchKind.REGEX).first()
    # Same pattern, later priority: the ruleset rule is replaced, not just outranked.
    custom_rule(
        shipped.pattern, "ignored", "error_ignored", priority=shipped.priority + 10**5, kind=MatchKind.REGEX
    )
    qualifier = Qualifier.from_database()
    patterns = [(rule.pattern, rule.custom) for rule, _compiled in qualifier.rules]
    assert (shipped.pattern, True) in patterns and (shipped.pattern, False) not in patterns


def test_a_custom_rule_of_higher_priority_changes_the_answer():
    custom_rule("Mailbox full", "hard", "mailbox_full", priority=1)
    result = Qualifier.from_database().qualify("552 5.2.2 Mailbox full")
    assert (result.failure_type, result.failure_reason) == ("hard", "mailbox_full")
    assert result.rule.custom


def test_a_transient_status_is_never_hard():
    qualifier = Qualifier([Rule("no mx found", "substring", "hard", "invalid_domain", 1)])
    assert qualifier.qualify("550 5.4.4 No MX found for domain").failure_type == "hard"
    assert qualifier.qualify("451 4.4.0 No MX found for domain").failure_type == "soft"
    assert qualifier.qualify("421 No MX found for domain, try later").failure_type == "soft"


def test_status_codes_are_read_from_the_text():
    assert status_of("550-5.1.1 The email account ... 550 5.1.1 https://x") == "5.1.1"
    assert status_of("4.4.7 (delayed) 5.2.2 over quota") == "5.2.2"  # the permanent one
    assert status_of("421 Too many connections") == "4.0.0"
    assert status_of("Mailbox full") == ""


def test_an_unmatched_text_is_unknown_soft_and_recorded_normalised():
    now = timezone.now()
    qualifier = DatabaseQualifier(now)
    first = qualifier.qualify("599 Strange thing for jane.doe@example.com id 8f3a2b9c at 2026-03-01 10:22:01")
    assert (first.failure_type, first.failure_reason, first.rule) == ("soft", "unknown", None)
    qualifier.qualify("599 Strange thing for john@example.org id 77aa99bb at 2026-03-02 11:00:00")
    entry = LogQualification.objects.get()
    assert entry.text == "599 strange thing for * id #xxx# at #xxx#"
    assert entry.first_text.startswith("599 Strange thing for jane.doe@example.com")
    assert entry.occurrences == 2
    assert entry.status == QualificationStatus.TO_QUALIFY


def test_occurrences_are_capped():
    now = timezone.now()
    qualifier = DatabaseQualifier(now)
    qualifier.qualify("599 odd")
    LogQualification.objects.update(occurrences=MAX_OCCURRENCES)
    qualifier.qualify("599 odd")
    assert LogQualification.objects.get().occurrences == MAX_OCCURRENCES


def test_an_operator_decision_qualifies_the_text_from_then_on():
    now = timezone.now()
    qualifier = DatabaseQualifier(now)
    qualifier.qualify("599 odd reply 1234")
    LogQualification.objects.update(
        status=QualificationStatus.KEEP, failure_type="hard", failure_reason="user_unknown"
    )
    kept = DatabaseQualifier(now).qualify("599 odd reply 98765")  # the same text once normalised
    assert (kept.failure_type, kept.failure_reason) == ("hard", "user_unknown")
    LogQualification.objects.update(status=QualificationStatus.IGNORE)
    assert DatabaseQualifier(now).qualify("599 odd reply 5555").failure_type == "ignored"
    assert LogQualification.objects.get().occurrences == 1  # decided texts are not counted again


def test_normalisation_masks_addresses_ids_dates_and_ips_but_keeps_codes():
    text = "550 5.1.1 <x@y.com>... host 192.0.2.7 said on Fri, 12 Dec 2025 10:00:01 +0900: queue 4B7C2A1D9"
    assert normalise(text) == "550 5.1.1 *... host #xxx# said on #xxx# +#xxx#: queue #xxx#"
