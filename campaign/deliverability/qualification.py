"""Bounce qualification: an SMTP reply or a bounce's diagnostic text → failure type and
reason (Adobe §5.1), by the rules of the ruleset and the operators' own.

    qualifier = Qualifier.from_database()
    result = qualifier.qualify("550 5.1.1 <a@example.com>: Recipient address rejected")
    result.failure_type, result.failure_reason      # "hard", "user_unknown"

1. Rules are tried in priority order (lowest first; a custom rule before a ruleset rule
   of the same priority); the first whose pattern matches wins. A custom rule with the
   same match kind and pattern as a ruleset rule replaces it.
2. A text whose status is transient (an RFC 3463 class-4 code such as 4.4.1, or a 4xx
   reply with no class-5 code) is never "hard": a temporary failure must not quarantine
   an address at once, so a hard answer becomes soft.
3. No rule matches: "soft", "unknown" (the caller records the text in the delivery log
   qualification list, `record_unmatched`).

Patterns match case-insensitively: "substring" is a plain substring, "regex" a Python
regular expression (`re`), searched anywhere in the text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least

from campaign.choices import FailureReason, FailureType

from .choices import MatchKind, QualificationStatus, RuleOrigin
from .models import LogQualification, QualificationRule

# Adobe caps a qualification entry's number of occurrences at 100,000.
MAX_OCCURRENCES = 100_000
# Longest text kept (and matched): bounces quote whole messages.
MAX_TEXT = 2000

ENHANCED_STATUS = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
REPLY_CODE = re.compile(r"(?:^|[\s;:'\"(\[-])([245]\d\d)(?=[\s\-:]|$)")


@dataclass(frozen=True)
class Rule:
    """A bounce qualification rule as the qualifier uses it (from the database, or
    straight from a ruleset file)."""

    pattern: str
    match_kind: str
    failure_type: str
    failure_reason: str
    priority: int
    custom: bool = False
    key: str = ""
    rule_id: int | None = None

    def compiled(self) -> re.Pattern[str]:
        source = self.pattern if self.match_kind == MatchKind.REGEX else re.escape(self.pattern)
        return re.compile(source, re.IGNORECASE)


@dataclass(frozen=True)
class Qualification:
    failure_type: str
    failure_reason: str
    rule: Rule | None = None
    status: str = ""

    @property
    def matched(self) -> bool:
        return self.rule is not None


UNMATCHED_TYPE = FailureType.SOFT.value
UNMATCHED_REASON = FailureReason.UNKNOWN.value


def clean(text: str) -> str:
    """One line, single spaces, at most MAX_TEXT characters."""
    return " ".join((text or "").split())[:MAX_TEXT]


def status_of(text: str) -> str:
    """The most severe enhanced status code in a text ("5.1.1"), else the reply code's
    class ("4.0.0" for a 4xx reply), else ""."""
    codes = [match.group(0) for match in ENHANCED_STATUS.finditer(text)]
    permanent = [code for code in codes if code.startswith("5")]
    if permanent:
        return permanent[0]
    if codes:
        return codes[0]
    reply = REPLY_CODE.search(text)
    return f"{reply.group(1)[0]}.0.0" if reply else ""


def is_transient(text: str) -> bool:
    return status_of(text).startswith("4")


class Qualifier:
    """The active rules, compiled once, in the order they are tried."""

    def __init__(self, rules: Iterable[Rule]):
        rules = list(rules)
        custom = {(rule.match_kind, rule.pattern.casefold()) for rule in rules if rule.custom}
        kept = [
            rule for rule in rules if rule.custom or (rule.match_kind, rule.pattern.casefold()) not in custom
        ]
        kept.sort(key=lambda rule: (rule.priority, not rule.custom, rule.key, rule.rule_id or 0))
        self.rules = [(rule, rule.compiled()) for rule in kept]

    @classmethod
    def from_database(cls) -> Qualifier:
        rows = QualificationRule.objects.active().values_list(
            "pk", "key", "pattern", "match_kind", "failure_type", "failure_reason", "priority", "origin"
        )
        return cls(
            Rule(
                pattern=pattern,
                match_kind=kind,
                failure_type=failure_type,
                failure_reason=reason,
                priority=priority,
                custom=origin == RuleOrigin.CUSTOM,
                key=key,
                rule_id=pk,
            )
            for pk, key, pattern, kind, failure_type, reason, priority, origin in rows
        )

    def qualify(self, text: str) -> Qualification:
        line = clean(text)
        status = status_of(line)
        for rule, pattern in self.rules:
            if pattern.search(line):
                failure_type = rule.failure_type
                if failure_type == FailureType.HARD and status.startswith("4"):
                    failure_type = FailureType.SOFT.value
                return Qualification(failure_type, rule.failure_reason, rule, status)
        return Qualification(UNMATCHED_TYPE, UNMATCHED_REASON, None, status)


# --- The delivery log qualification list ---------------------------------------------

MASKS = [
    # addresses become "*" (Adobe), message ids and URLs with them
    (re.compile(r"<?[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+>?"), "*"),
    (re.compile(r"\bhttps?://\S+", re.IGNORECASE), "#xxx#"),
    # IPv4 and IPv6 addresses, dates and times
    (re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"), "#xxx#"),
    (re.compile(r"\b[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}\b", re.IGNORECASE), "#xxx#"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[ t]\d{2}:\d{2}(?::\d{2})?)?\b", re.IGNORECASE), "#xxx#"),
    (re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b"), "#xxx#"),
    (
        re.compile(
            r"\b(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?\d{1,2}\s+"
            r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{2,4}\b",
            re.IGNORECASE,
        ),
        "#xxx#",
    ),
    # ids: any token of 4 or more characters holding a digit (queue ids, hashes, phone
    # numbers); RFC 3463 codes and 3-digit replies stay, they carry the meaning
    (re.compile(r"(?<![\w.])(?=[\w-]*\d)[\w-]{4,}(?![\w.])"), "#xxx#"),
]
REPEATS = re.compile(r"(?:#xxx#[\s.:/-]*){2,}")


def normalise(text: str) -> str:
    """The text of a qualification entry: addresses become "*", ids, dates, numbers
    and IPs "#xxx#" (Adobe §5.1), lower case, single spaces."""
    line = clean(text)
    for pattern, mask in MASKS:
        line = pattern.sub(mask, line)
    line = REPEATS.sub("#xxx# ", line)
    return " ".join(line.split()).lower()[:MAX_TEXT]


def text_hash(normalised: str) -> str:
    return hashlib.sha256(normalised.encode()).hexdigest()


def operator_decision(text: str) -> Qualification | None:
    """The qualification an operator gave this text in the qualification list ("keep":
    its type and reason; "ignore": never quarantines), or None."""
    entry = (
        LogQualification.objects.filter(text_hash=text_hash(normalise(text)))
        .exclude(status=QualificationStatus.TO_QUALIFY)
        .values("status", "failure_type", "failure_reason")
        .first()
    )
    if entry is None:
        return None
    status = status_of(clean(text))
    if entry["status"] == QualificationStatus.IGNORE:
        return Qualification(
            FailureType.IGNORED.value, entry["failure_reason"] or UNMATCHED_REASON, None, status
        )
    return Qualification(entry["failure_type"], entry["failure_reason"], None, status)


def record_unmatched(text: str, now) -> LogQualification:
    """Count one more occurrence of a text no rule matched (capped at MAX_OCCURRENCES),
    creating its entry "to qualify" on its first occurrence."""
    normalised = normalise(text)
    digest = text_hash(normalised)
    bump = {"occurrences": Least(F("occurrences") + 1, Value(MAX_OCCURRENCES)), "last_seen_at": now}
    if not LogQualification.objects.filter(text_hash=digest).update(**bump):
        try:
            with transaction.atomic():
                return LogQualification.objects.create(
                    text_hash=digest,
                    text=normalised,
                    first_text=clean(text),
                    failure_type=UNMATCHED_TYPE,
                    failure_reason=UNMATCHED_REASON,
                    occurrences=1,
                    first_seen_at=now,
                    last_seen_at=now,
                    updated_at=now,
                )
        except IntegrityError:  # created meanwhile by another process: count on it
            LogQualification.objects.filter(text_hash=digest).update(**bump)
    return LogQualification.objects.get(text_hash=digest)


class DatabaseQualifier:
    """Qualification as process_bounces uses it: the operators' decisions in the
    qualification list first, then the rules; an unmatched text is recorded."""

    def __init__(self, now):
        self.now = now
        self.rules = Qualifier.from_database()

    def qualify(self, text: str) -> Qualification:
        decided = operator_decision(text)
        if decided is not None:
            return decided
        result = self.rules.qualify(text)
        if not result.matched and clean(text):
            record_unmatched(text, self.now)
        return result
