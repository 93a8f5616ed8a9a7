"""The ruleset: its JSON format (rulesets/ruleset.schema.json, version 1), validated
before use, and how it replaces the rules in force.

`parse(body)` checks a downloaded or loaded ruleset completely (JSON, the schema, keys
unique per section, every regular expression compiles) and raises RulesetError with one
readable line. `apply(ruleset, …)` replaces the ruleset's rules in one transaction:
rules it names are updated or added, ruleset rules it no longer names are retired (kept,
marked retired), and the operators' custom rules are never touched. A failed parse or
apply changes nothing.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.db import connection, transaction
from django.utils import timezone

from campaign.choices import FailureReason

from .choices import RuleOrigin
from .models import DomainRule, MxRule, QualificationRule, RulesetState

RULESETS = Path(__file__).resolve().parent / "rulesets"
SCHEMA_FILE = RULESETS / "ruleset.schema.json"
DEFAULT_RULESET = RULESETS / "default.json"
FORMAT = "campaign-deliverability-ruleset"
FORMAT_VERSION = 1


class RulesetError(Exception):
    """A ruleset that cannot be used; the message is one readable line."""


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text())


@dataclass(frozen=True)
class Section:
    """How one section of the file maps onto one model."""

    name: str
    model: type
    fields: dict[str, str]  # file name -> model field
    defaults: dict[str, Any] = field(default_factory=dict)


SECTIONS = (
    Section(
        "bounce_rules",
        QualificationRule,
        {
            "pattern": "pattern",
            "match": "match_kind",
            "type": "failure_type",
            "reason": "failure_reason",
            "priority": "priority",
            "description": "description",
        },
        {"description": ""},
    ),
    Section(
        "domain_rules",
        DomainRule,
        {
            "domain": "domain",
            "dkim": "dkim",
            "domainkeys": "domainkeys",
            "sender_id": "sender_id",
            "smime": "smime",
            "relay_host": "relay_host",
            "relay_port": "relay_port",
        },
        {
            "dkim": True,
            "domainkeys": False,
            "sender_id": False,
            "smime": False,
            "relay_host": "",
            "relay_port": None,
        },
    ),
    Section(
        "mx_rules",
        MxRule,
        {
            "mx_mask": "mx_mask",
            "rank": "rank",
            "identifiers": "identifiers",
            "shared": "shared",
            "max_connections": "max_connections",
            "messages_per_connection": "messages_per_connection",
            "messages_per_hour": "messages_per_hour",
            "connection_timeout": "connection_timeout",
            "data_timeout": "data_timeout",
            "timeout": "timeout",
            "tls": "tls",
        },
        {
            "identifiers": "",
            "shared": False,
            "connection_timeout": 30,
            "data_timeout": 600,
            "timeout": 300,
            "tls": "default",
        },
    ),
)


@dataclass(frozen=True)
class Ruleset:
    """A validated ruleset: per section, {key: {model field: value}}."""

    revision: str
    sha256: str
    rules: dict[str, dict[str, dict[str, Any]]]

    def count(self, section: str) -> int:
        return len(self.rules[section])


def _where(error: jsonschema.ValidationError) -> str:
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path)
    return path.lstrip(".") or "the document"


def parse(body: bytes) -> Ruleset:
    """A checked Ruleset from the raw bytes of a ruleset file, or RulesetError."""
    try:
        document = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise RulesetError("the ruleset is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise RulesetError(f"the ruleset is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if (
        isinstance(document, dict)
        and document.get("format") == FORMAT
        and document.get("version") != FORMAT_VERSION
    ):
        raise RulesetError(
            f"ruleset format version {document.get('version')!r} is not supported (this platform reads "
            f"version {FORMAT_VERSION})"
        )
    validator = jsonschema.Draft202012Validator(schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        raise RulesetError(f"the ruleset does not follow its format: {_where(error)}: {error.message}"[:400])
    rules: dict[str, dict[str, dict[str, Any]]] = {}
    for section in SECTIONS:
        found: dict[str, dict[str, Any]] = {}
        for index, item in enumerate(document[section.name]):
            if item["key"] in found:
                raise RulesetError(f"{section.name}[{index}]: key {item['key']!r} appears twice")
            values = {**section.defaults, **{k: v for k, v in item.items() if k != "key"}}
            found[item["key"]] = {section.fields[name]: value for name, value in values.items()}
        rules[section.name] = found
    for key, rule in rules["bounce_rules"].items():
        if rule["failure_reason"] not in FailureReason.values:
            raise RulesetError(f"bounce rule {key!r}: unknown reason {rule['failure_reason']!r}")
        if rule["match_kind"] == "regex":
            try:
                re.compile(rule["pattern"], re.IGNORECASE)
            except re.error as exc:
                raise RulesetError(f"bounce rule {key!r}: bad regular expression: {exc}") from None
    return Ruleset(document["revision"], hashlib.sha256(body).hexdigest(), rules)


def load_file(path: Path | str) -> Ruleset:
    try:
        body = Path(path).read_bytes()
    except OSError as exc:
        raise RulesetError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse(body)


@dataclass
class Applied:
    """What applying a ruleset changed, per section."""

    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    retired: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    custom: dict[str, int] = field(default_factory=dict)

    def total(self, what: str) -> int:
        return sum(getattr(self, what).values())

    def sentence(self) -> str:
        parts = []
        for section in SECTIONS:
            name = section.name.replace("_", " ")
            parts.append(
                f"{name}: {self.added[section.name]} added, {self.updated[section.name]} updated, "
                f"{self.retired[section.name]} retired, {self.unchanged[section.name]} unchanged, "
                f"{self.custom[section.name]} custom kept"
            )
        return "; ".join(parts)

    def metrics(self) -> dict[str, int]:
        return {
            "rules_added": self.total("added"),
            "rules_updated": self.total("updated"),
            "rules_retired": self.total("retired"),
            "rules_unchanged": self.total("unchanged"),
            "custom_rules_kept": self.total("custom"),
        }


def _apply_section(section: Section, wanted: dict[str, dict[str, Any]], now, applied: Applied) -> None:
    model = section.model
    feed = model.objects.from_feed()
    existing = {rule.key: rule for rule in feed.filter(key__in=list(wanted))}
    names = list(section.fields.values())
    new, changed = [], []
    for key, values in wanted.items():
        rule = existing.get(key)
        if rule is None:
            new.append(model(key=key, origin=RuleOrigin.FEED, created_at=now, updated_at=now, **values))
            continue
        if rule.retired_at is None and all(getattr(rule, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(rule, name, value)
        rule.retired_at = None
        rule.updated_at = now
        changed.append(rule)
    model.objects.bulk_create(new, batch_size=500)
    model.objects.bulk_update(changed, [*names, "retired_at", "updated_at"], batch_size=500)
    retired = feed.active().exclude(key__in=list(wanted)).update(retired_at=now, updated_at=now)
    applied.added[section.name] = len(new)
    applied.updated[section.name] = len(changed)
    applied.retired[section.name] = retired
    applied.unchanged[section.name] = len(wanted) - len(new) - len(changed)
    applied.custom[section.name] = model.objects.custom().active().count()


def apply(ruleset: Ruleset, now, *, source: str, etag: str = "", last_modified: str = "") -> Applied:
    """Replace the ruleset's rules in one transaction (custom rules untouched) and record
    the ruleset in force."""
    applied = Applied()
    with transaction.atomic():
        for section in SECTIONS:
            _apply_section(section, ruleset.rules[section.name], now, applied)
        state = RulesetState.load()
        state.source = source[:500]
        state.etag = etag[:200]
        state.last_modified = last_modified[:100]
        state.format_version = FORMAT_VERSION
        state.revision = ruleset.revision
        state.sha256 = ruleset.sha256
        state.applied_at = now
        state.checked_at = now
        state.save()
    return applied


def seed_default_ruleset(sender=None, using="default", **kwargs):
    """post_migrate: a platform with no bounce qualification rule at all gets the shipped
    default ruleset (idempotent; a platform with rules keeps them)."""
    if QualificationRule._meta.db_table not in connection.introspection.table_names():
        return
    if QualificationRule.objects.using(using).exists():
        return
    apply(
        load_file(DEFAULT_RULESET),
        timezone.now(),
        source=f"{DEFAULT_RULESET.name} (shipped with the platform)",
    )


# --- Which rule applies --------------------------------------------------------------------


def _matches(mask: str, name: str) -> bool:
    return fnmatch.fnmatchcase(name.lower().rstrip("."), mask.lower())


def mx_rule_for(mx_host: str) -> MxRule | None:
    """The MX rule for an MX host: the first active rule by rank whose mask matches (a
    custom rule before a ruleset rule of the same rank)."""
    rules = MxRule.objects.active().order_by("rank", "-origin", "id")  # "custom" sorts before "feed" reversed
    return next((rule for rule in rules if _matches(rule.mx_mask, mx_host)), None)


def domain_rule_for(domain: str) -> DomainRule | None:
    """The domain rule for a recipient domain: an exact mask before a wildcard one, the
    longest mask first, a custom rule before a ruleset rule."""
    rules = sorted(
        DomainRule.objects.active(),
        key=lambda rule: (
            "*" in rule.domain or "?" in rule.domain,
            -len(rule.domain),
            rule.origin != RuleOrigin.CUSTOM,
        ),
    )
    return next((rule for rule in rules if _matches(rule.domain, domain)), None)
