"""French is complete for everything an operator reads, with French typography: every
app's catalog translates every message (nothing fuzzy), and a non-breaking space comes
before ":" (and a thin one before ";", "?" and "!")."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation

BASE = Path(settings.BASE_DIR)


def catalogs():
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
        ours = BASE in path.parents and ".venv" not in path.relative_to(BASE).parts
        if ours and path.exists():
            found.append(path)
    return found


def entries(path):
    """(msgid, [msgstr…], flags) of each entry, read with the standard library."""
    text = path.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        flags = " ".join(line for line in lines if line.startswith("#,"))
        fields, current = {}, None
        for line in lines:
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            yield fields["msgid"], [v for k, v in fields.items() if k.startswith("msgstr")], flags


def test_every_app_has_a_french_catalog():
    labels = {path.parents[3].name for path in catalogs()}
    assert {"campaign", "workflows", "offers", "reporting"} <= labels


@pytest.mark.parametrize("path", catalogs(), ids=lambda path: str(path.relative_to(BASE)))
def test_the_catalog_translates_every_message(path):
    missing = [msgid for msgid, strings, flags in entries(path) if "fuzzy" in flags or not all(strings)]
    assert not missing, f"{len(missing)} untranslated or fuzzy: {missing[:5]}"


@pytest.mark.parametrize("path", catalogs(), ids=lambda path: str(path.relative_to(BASE)))
def test_french_typography_puts_a_non_breaking_space_before_high_punctuation(path):
    wrong = [
        text
        for _msgid, strings, _flags in entries(path)
        for text in strings
        if re.search(r"(\w| )[:;?!](\s|$)", text.replace("\\n", "\n"))
    ]
    assert not wrong, wrong[:5]


def test_the_explorer_speaks_french():
    with translation.override("fr"):
        from django.utils.translation import gettext

        assert gettext("Campaign Management") == "Gestion de campagne"
        assert gettext("Technical workflows") == "Workflows techniques"
