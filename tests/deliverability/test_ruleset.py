"""The ruleset format (validated before use) and its atomic application: ruleset rules
updated, added and retired in one transaction, custom rules kept; load_ruleset."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from campaign.deliverability import rules
from campaign.deliverability.choices import RuleOrigin
from campaign.deliverability.models import DomainRule, MxRule, QualificationRule, RulesetState

from .conftest import default_document

pytestmark = pytest.mark.django_db


def body(document):
    return json.dumps(document).encode()


def snapshot():
    """Every rule of every kind, as comparable tuples."""
    return {
        model.__name__: sorted(model.objects.values_list("key", "origin", "retired_at", "updated_at"))
        for model in (QualificationRule, DomainRule, MxRule)
    }


def test_the_shipped_ruleset_is_valid_and_loaded_after_migrate():
    ruleset = rules.load_file(rules.DEFAULT_RULESET)
    assert ruleset.count("bounce_rules") == QualificationRule.objects.from_feed().active().count() > 20
    assert ruleset.count("mx_rules") == MxRule.objects.active().count()
    assert RulesetState.load().revision == ruleset.revision
    assert rules.mx_rule_for("alt1.gmail-smtp-in.l.google.com").mx_mask == "*.google.com"
    assert rules.mx_rule_for("mx.unknown.example").mx_mask == "*"
    assert rules.domain_rule_for("example.org").domain == "*"


@pytest.mark.parametrize(
    "raw, reason",
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (body({**default_document(), "version": 2}), "format version 2 is not supported"),
        (body({**default_document(), "format": "other"}), "does not follow its format: format"),
        (body({k: v for k, v in default_document().items() if k != "mx_rules"}), "'mx_rules' is a required"),
    ],
)
def test_a_bad_document_is_refused_with_one_line(raw, reason):
    with pytest.raises(rules.RulesetError) as caught:
        rules.parse(raw)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_rule_that_breaks_the_format_is_named():
    document = default_document()
    document["bounce_rules"][3]["type"] = "permanent"
    with pytest.raises(rules.RulesetError, match=r"bounce_rules\[3\]\.type: 'permanent' is not one of"):
        rules.parse(body(document))


def test_duplicate_keys_and_bad_regular_expressions_are_refused():
    document = default_document()
    document["bounce_rules"].append(dict(document["bounce_rules"][0]))
    with pytest.raises(rules.RulesetError, match="appears twice"):
        rules.parse(body(document))
    document = default_document()
    document["bounce_rules"][0]["pattern"] = "(unclosed"
    with pytest.raises(rules.RulesetError, match="bad regular expression"):
        rules.parse(body(document))


def test_applying_updates_adds_and_retires_and_keeps_custom_rules():
    created = timezone.now() - timedelta(days=1)
    now = timezone.now()
    custom = QualificationRule.objects.create(
        pattern="our own text",
        failure_type="hard",
        failure_reason="user_unknown",
        origin=RuleOrigin.CUSTOM,
        created_at=created,
        updated_at=created,
    )
    document = default_document()
    document["revision"] = "next"
    removed = document["bounce_rules"].pop(0)["key"]
    document["bounce_rules"][0]["priority"] += 1
    changed = document["bounce_rules"][0]["key"]
    document["bounce_rules"].append(
        {
            "key": "new.rule",
            "pattern": "brand new",
            "match": "substring",
            "type": "soft",
            "reason": "refused",
            "priority": 5,
        }
    )
    document["mx_rules"] = [rule for rule in document["mx_rules"] if rule["key"] != "mx.free"]

    applied = rules.apply(rules.parse(body(document)), now, source="test")

    assert applied.added == {"bounce_rules": 1, "domain_rules": 0, "mx_rules": 0}
    assert applied.updated["bounce_rules"] == 1
    assert applied.retired == {"bounce_rules": 1, "domain_rules": 0, "mx_rules": 1}
    assert applied.custom["bounce_rules"] == 1
    assert "bounce rules: 1 added, 1 updated, 1 retired" in applied.sentence()
    assert QualificationRule.objects.get(key=removed).retired_at == now
    assert QualificationRule.objects.get(key=changed).updated_at == now
    assert QualificationRule.objects.get(key="new.rule").origin == RuleOrigin.FEED
    assert MxRule.objects.get(key="mx.free").retired_at == now
    custom.refresh_from_db()
    assert custom.retired_at is None and custom.updated_at == created
    assert RulesetState.load().revision == "next"

    # The retired rule comes back when the ruleset names it again.
    again = rules.apply(rules.load_file(rules.DEFAULT_RULESET), now, source="test")
    assert QualificationRule.objects.get(key=removed).retired_at is None
    assert again.retired["bounce_rules"] == 1  # "new.rule"


def test_applying_is_all_or_nothing(monkeypatch):
    before = snapshot()
    document = default_document()
    document["revision"] = "broken"
    for rule in document["bounce_rules"]:
        rule["priority"] += 1
    for rule in document["mx_rules"]:
        rule["max_connections"] += 1

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(MxRule.objects, "bulk_update", fail)  # the last section fails
    with pytest.raises(RuntimeError):
        rules.apply(rules.parse(body(document)), timezone.now(), source="test")
    assert snapshot() == before
    assert RulesetState.load().revision != "broken"


def test_load_ruleset_applies_a_file(tmp_path, capsys):
    document = default_document()
    document["revision"] = "offline-1"
    path = tmp_path / "ruleset.json"
    path.write_text(json.dumps(document))
    call_command("load_ruleset", str(path), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["status"] == "ok" and out["revision"] == "offline-1" and out["rules_unchanged"] > 0
    assert RulesetState.load().source == f"file {path}"


def test_load_ruleset_refuses_a_bad_file_and_changes_nothing(tmp_path):
    before = snapshot()
    path = tmp_path / "ruleset.json"
    path.write_text("{}")
    with pytest.raises(CommandError) as caught:
        call_command("load_ruleset", str(path))
    assert caught.value.returncode == 2
    assert "does not follow its format" in str(caught.value)
    with pytest.raises(CommandError, match="cannot read"):
        call_command("load_ruleset", str(tmp_path / "missing.json"))
    assert snapshot() == before
