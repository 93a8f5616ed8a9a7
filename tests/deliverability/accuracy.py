"""Accuracy of bounce qualification on the real bounce corpus (data/bounces, sisimai's
set of emails, BSD-2-Clause) and on SMTP reply strings, with the shipped ruleset."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from campaign.deliverability import bounce_parser, rules
from campaign.deliverability.choices import MessageKind
from campaign.deliverability.qualification import Qualifier, Rule

DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "bounces"
NOT_BOUNCES = {
    MessageKind.COMPLAINT: ("ignored", "refused"),
    MessageKind.AUTO_REPLY: ("ignored", "unknown"),
    MessageKind.DELIVERY_NOTICE: ("ignored", "unknown"),
}


def shipped_qualifier():
    document = json.loads(rules.DEFAULT_RULESET.read_text())
    return Qualifier(
        Rule(item["pattern"], item["match"], item["type"], item["reason"], item["priority"], key=item["key"])
        for item in document["bounce_rules"]
    )


@dataclass
class Score:
    total: int = 0
    type_right: int = 0
    reason_strict: int = 0
    reason_lenient: int = 0
    misses: list = field(default_factory=list)

    def add(self, name, got_type, got_reason, expected):
        acceptable = expected.get("acceptable_reasons", [expected["reason"]])
        self.total += 1
        self.type_right += got_type == expected["type"]
        self.reason_strict += got_reason == expected["reason"]
        lenient = got_reason == expected["reason"] or got_reason in acceptable
        self.reason_lenient += lenient
        if got_type != expected["type"] or not lenient:
            self.misses.append((name, got_type, got_reason, expected["type"], expected["reason"]))

    def line(self, title):
        return (
            f"{title}: type {self.type_right}/{self.total} ({self.type_right / self.total:.1%}), "
            f"reason strict {self.reason_strict}/{self.total} ({self.reason_strict / self.total:.1%}), "
            f"lenient {self.reason_lenient}/{self.total} ({self.reason_lenient / self.total:.1%})"
        )


def classify(raw, qualifier):
    """(type, reason) of one message, as process_bounces qualifies its first recipient."""
    parsed = bounce_parser.parse(raw)
    if parsed.kind in NOT_BOUNCES:
        return NOT_BOUNCES[parsed.kind]
    if parsed.kind == MessageKind.BOUNCE and parsed.failures:
        result = qualifier.qualify(parsed.failures[0].diagnostic)
        return result.failure_type, result.failure_reason
    return "soft", "unknown"  # not recognised: qualified as an unmatched text would be


def corpus_score(qualifier=None):
    qualifier = qualifier or shipped_qualifier()
    expected = json.loads((CORPUS / "expected.json").read_text())
    score = Score()
    for name, answer in sorted(expected.items()):
        got_type, got_reason = classify((CORPUS / "messages" / name).read_bytes(), qualifier)
        score.add(name, got_type, got_reason, answer)
    return score


def strings_score(path, key=None, qualifier=None):
    qualifier = qualifier or shipped_qualifier()
    items = json.loads(Path(path).read_text())
    score = Score()
    for item in items[key] if key else items:
        result = qualifier.qualify(item["text"])
        score.add(item["text"][:60], result.failure_type, result.failure_reason, item)
    return score
