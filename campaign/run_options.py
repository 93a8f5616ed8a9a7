"""Options given to one run of a workflow started on the command line, and the one way a
workflow reads them:

    manage.py run_workflow aliasCleansing --option full-hits
    manage.py run_workflow NAME --option key=value --option other-key

`run_workflow` parses the options (`parse`) and runs the workflow synchronously inside
`passing(options)`; the workflow function, which runs in the same thread, reads them
with `given(accepted)`. Keys are normalised ("full-hits" and "full_hits" are one key); a
key without "=value" means "true". A workflow refuses options it does not know (the run
fails with one line naming them); `run_workflow` warns when the workflow read none.
A run started by beat or "Run now" has no options: `given()` returns {}.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from workflows.api import WorkflowError

TRUE = "true"


@dataclass
class Passed:
    options: dict[str, str]
    read: bool = field(default=False)


_passed: ContextVar[Passed | None] = ContextVar("run_options", default=None)


def normal_key(key: str) -> str:
    return key.strip().lower().replace("-", "_")


def parse(pairs: Iterable[str]) -> dict[str, str]:
    """{key: value} from "key=value" or "key" (true); ValueError naming a bad pair."""
    options = {}
    for pair in pairs:
        key, _sep, value = pair.partition("=")
        key = normal_key(key)
        if not key or not key.replace("_", "").isalnum():
            raise ValueError(f"bad option {pair!r}: expected key or key=value")
        options[key] = value.strip() if _sep else TRUE
    return options


@contextmanager
def passing(options: Mapping[str, str]) -> Iterator[Passed]:
    """Hand `options` to the workflow run started inside this block (same thread)."""
    passed = Passed(dict(options))
    token = _passed.set(passed)
    try:
        yield passed
    finally:
        _passed.reset(token)


def given(accepted: Mapping[str, str]) -> dict[str, str]:
    """The options given to this run; `accepted` is {key: what it does}. Raises
    WorkflowError naming any other key."""
    passed = _passed.get()
    if passed is None:
        return {}
    passed.read = True
    unknown = sorted(set(passed.options) - set(accepted))
    if unknown:
        known = ", ".join(f"{key.replace('_', '-')} ({help_text})" for key, help_text in accepted.items())
        raise WorkflowError(f"unknown option {', '.join(unknown)}; this workflow accepts: {known or 'none'}")
    return dict(passed.options)


def flag(options: Mapping[str, str], key: str) -> bool:
    """Whether a yes/no option is on ("true", "yes", "1", "on"; or given without value)."""
    return options.get(key, "").lower() in ("true", "yes", "1", "on")
