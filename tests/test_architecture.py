"""DESIGN §2 in tests: imports flow one way (the import-linter contract of
.importlinter, run here and in CI), and no app names, in strings, a model label, a
permission, a URL name or a table of an app beside or above it (raw SQL,
apps.get_model, reverse, templates), which import rules cannot see."""

import configparser
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import grimp
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.urls import get_resolver

from tests.architecture import LayeredApps, app_of, strongly_connected

BASE = Path(settings.BASE_DIR)
LINTER = BASE / ".importlinter"


def layer_ranks():
    config = configparser.ConfigParser()
    config.read(LINTER)
    ranks = {}
    lines = [line for line in config["importlinter:contract:layers"]["layers"].splitlines() if line.strip()]
    for position, line in enumerate(lines):
        for app in line.split("|"):
            ranks[app.strip()] = position
    return ranks


def our_apps():
    """{app config: its layer entry} for the installed apps of this project."""
    ranks = layer_ranks()
    found = {}
    for config in apps.get_app_configs():
        entry = app_of(config.name, list(ranks))
        if entry is not None:
            found[config] = entry
    return found, ranks


def identifiers(config):
    """What names an app in strings: model labels, permissions, namespaced URL names,
    admin URL names and tables of its models."""
    names = set()
    for model in config.get_models(include_auto_created=True):
        names.add(model._meta.label_lower)
        names.add(model._meta.db_table.lower())
    for codename in Permission.objects.filter(content_type__app_label=config.label).values_list(
        "codename", flat=True
    ):
        names.add(f"{config.label}.{codename}")
    namespaces = get_resolver().namespace_dict
    for namespace in (config.label, f"{config.label}_public"):
        if namespace in namespaces:
            for name in namespaces[namespace][1].reverse_dict:
                if isinstance(name, str):
                    names.add(f"{namespace}:{name}")
    return names


def owned_files(config, configs):
    """The Python files and templates of an app (a nested app's files are its own)."""
    root = Path(config.path)
    nested = [
        Path(other.path) for other in configs if other is not config and root in Path(other.path).parents
    ]
    files = [path for path in root.rglob("*.py") if not any(inner in path.parents for inner in nested)]
    templates = BASE / "templates"
    files += list((templates / config.label).rglob("*"))
    files += list((templates / "emails").glob(f"{config.label}-*"))
    if config.label == "campaign":  # the core owns the admin's own templates
        files += list((templates / "admin").rglob("*"))
    return [path for path in files if path.is_file()]


def strings_of(path):
    text = path.read_text(errors="replace")
    if path.suffix != ".py":
        return [(1, text)]
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [(token.start[0], token.string) for token in tokens if token.type == tokenize.STRING]


@pytest.mark.django_db
def test_no_app_names_an_app_beside_or_above_it_in_strings():
    found, ranks = our_apps()
    configs = list(found)
    named = {config: identifiers(config) for config in configs}
    problems = []
    for config in configs:
        own_rank = ranks[found[config]]
        others = [
            other for other in configs if found[other] != found[config] and ranks[found[other]] <= own_rank
        ]
        patterns = {
            other: re.compile(
                r"(?<![\w.])(" + "|".join(map(re.escape, sorted(named[other]))) + r")(?![\w])", re.I
            )
            for other in others
            if named[other]
        }
        for path in owned_files(config, configs):
            for line, text in strings_of(path):
                for other, pattern in patterns.items():
                    match = pattern.search(text)
                    if match:
                        where = path.relative_to(BASE)
                        problems.append(
                            f"{where}:{line} ({config.label}) names {other.label}: {match.group(1)}"
                        )
    assert not problems, "\n".join(problems)


@pytest.mark.slow  # starts a process
def test_the_import_rules_hold():
    """lint-imports with the project's contract (CI runs it too)."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=BASE,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


def contract(layers, public=()):
    return LayeredApps(
        name="test",
        session_options={"root_packages": ["app"]},
        contract_options={"layers": list(layers), "public": list(public)},
    )


def graph_with(*imports):
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="import")
    return graph


@pytest.mark.parametrize(
    "imports, kept, reason",
    [
        ([("app.top.views", "app.core.models")], True, None),
        ([("app.core.models", "app.top.views")], False, "a layer above it"),
        ([("app.side.models", "app.top.views")], False, "a sibling of its layer"),
        ([("app.top.views", "app.engine.private")], False, "import app.engine through app.engine.api"),
        ([("app.top.views", "app.engine.api")], True, None),
        ([("app.core.a", "app.core.b"), ("app.core.b", "app.core.a")], False, "import cycle"),
    ],
)
def test_the_contract_catches_each_kind_of_violation(imports, kept, reason):
    check = contract(["app.top | app.side", "app.core", "app.engine"], ["app.engine: app.engine.api"]).check(
        graph_with(*imports), verbose=False
    )
    assert check.kept is kept
    if reason:
        assert any(reason in line for line in check.metadata["broken"])


def test_cycles_are_found_whatever_their_length():
    graph = graph_with(("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.z", "a.w"))
    assert strongly_connected(graph, {"a.x", "a.y", "a.z", "a.w"}) == [["a.x", "a.y", "a.z"]]
