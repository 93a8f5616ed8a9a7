"""One date and time format per language across the screens."""

import re
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.utils import translation

MOMENT = datetime(2026, 11, 23, 4, 5, 6, tzinfo=UTC)  # 05:05 in Paris


@pytest.mark.parametrize(
    "language, short, long, number",
    [
        ("en", "2026-11-23 05:05", "2026-11-23 05:05:06", "1,234,567"),
        ("fr", "23/11/2026 05:05", "23/11/2026 05:05:06", "1\u202f234\u202f567"),
    ],
)
def test_each_language_has_one_date_time_and_number_format(language, short, long, number):
    template = Template(
        '{% load humanize %}{{ m|date:"SHORT_DATETIME_FORMAT" }}|{{ m|date:"DATETIME_FORMAT" }}'
        "|{{ n|intcomma }}"
    )
    with translation.override(language):
        text = template.render(Context({"m": MOMENT, "n": 1234567}))
    assert text == f"{short}|{long}|{number}"


def test_no_screen_template_writes_a_date_format_of_its_own():
    from pathlib import Path

    from django.conf import settings

    allowed = {"SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT", "DATE_FORMAT"}
    found = []
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        if "emails" in path.parts:
            continue  # an email keeps the language of its recipient, set by its sender
        for fmt in re.findall(r'\|date:"([^"]*)"', path.read_text()):
            if fmt not in allowed and fmt != "l d F Y H:i T":  # the schedule's fire times: weekday and zone
                found.append(f"{path.name}: {fmt}")
    assert not found, found
