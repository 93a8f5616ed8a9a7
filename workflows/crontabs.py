"""Crontab arithmetic in the schedule's own time zone: fire times before and after a
moment, "never fires" detection, and the schedule in words.

Celery's own `crontab` parses the fields (so we accept exactly what beat accepts) and
its semantics are kept: a day fires when it matches day of month AND day of week AND
month. Day of week 0 is Sunday.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from celery.schedules import crontab
from cron_descriptor import ExpressionDescriptor, Options

# Feb 29 on a Monday happens once in 28 years; past this horizon a crontab never fires.
SEARCH_DAYS = 366 * 29


@dataclass(frozen=True)
class Cron:
    minute: str = "*"
    hour: str = "*"
    day_of_month: str = "*"
    month_of_year: str = "*"
    day_of_week: str = "*"

    @classmethod
    def parse(cls, text: str) -> Cron:
        """ "m h dom mon dow", as written in the registry and shown to users."""
        fields = text.split()
        if len(fields) != 5:
            raise ValueError(f"A crontab has 5 fields (minute hour day month weekday): {text!r}")
        return cls(*fields)

    @classmethod
    def from_schedule(cls, schedule: Any) -> Cron:
        """From a django-celery-beat CrontabSchedule row."""
        return cls(
            schedule.minute,
            schedule.hour,
            schedule.day_of_month,
            schedule.month_of_year,
            schedule.day_of_week,
        )

    def __str__(self) -> str:
        return " ".join((self.minute, self.hour, self.day_of_month, self.month_of_year, self.day_of_week))

    def celery(self) -> crontab:
        """Celery's crontab; raises ValueError on a malformed field."""
        return crontab(
            minute=self.minute,
            hour=self.hour,
            day_of_month=self.day_of_month,
            month_of_year=self.month_of_year,
            day_of_week=self.day_of_week,
        )


def _days(cron: Cron, start: date, step: int) -> Iterator[tuple[date, crontab]]:
    c = cron.celery()
    day = start
    for _ in range(SEARCH_DAYS):
        if (
            day.month in c.month_of_year
            and day.day in c.day_of_month
            and (day.weekday() + 1) % 7 in c.day_of_week
        ):
            yield day, c
        day += timedelta(days=step)


def _aware(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def next_fires(cron: Cron, after: datetime, count: int = 5, tz: str = "UTC") -> list[datetime]:
    """The next `count` fire times strictly after `after` (aware), in UTC."""
    zone = ZoneInfo(str(tz))
    after_utc = after.astimezone(UTC)
    found: list[datetime] = []
    for day, c in _days(cron, after.astimezone(zone).date() - timedelta(days=1), 1):
        for hour in sorted(c.hour):
            for minute in sorted(c.minute):
                moment = _aware(day, hour, minute, zone)
                if moment > after_utc and moment not in found:
                    found.append(moment)
                    if len(found) == count:
                        return found
    return found


def previous_fire(cron: Cron, at: datetime, tz: str = "UTC") -> datetime | None:
    """The latest fire time at or before `at` (aware), in UTC; None if there is none."""
    zone = ZoneInfo(str(tz))
    at_utc = at.astimezone(UTC)
    for day, c in _days(cron, at.astimezone(zone).date() + timedelta(days=1), -1):
        for hour in sorted(c.hour, reverse=True):
            for minute in sorted(c.minute, reverse=True):
                moment = _aware(day, hour, minute, zone)
                if moment <= at_utc:
                    return moment
    return None


def never_fires(cron: Cron, now: datetime) -> bool:
    try:
        return not next_fires(cron, now, count=1)
    except ValueError:  # Celery refuses some impossible dates itself (31 February)
        return True


# cron-descriptor translates its sentences but takes day and month names from the
# process locale (English here); switching the process locale is not thread-safe.
_FRENCH_NAMES = dict(
    zip(
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April "
        "May June July August September October November December".split(),
        "lundi mardi mercredi jeudi vendredi samedi dimanche janvier février mars avril "
        "mai juin juillet août septembre octobre novembre décembre".split(),
        strict=True,
    )
)
_ENGLISH_NAMES = re.compile(r"\b(" + "|".join(_FRENCH_NAMES) + r")\b")


def describe(cron: Cron, language: str = "en") -> str:
    """The schedule in words ("At 04:00", "À 05:00, uniquement le lundi"), in English or French."""
    french = language.startswith("fr")
    options = Options()
    options.locale_code = "fr_FR" if french else "en_US"
    options.use_24hour_time_format = True
    try:
        text = ExpressionDescriptor(str(cron), options).get_description()
    except Exception:  # cron-descriptor raises its own types for odd but valid specs
        return str(cron)
    return _ENGLISH_NAMES.sub(lambda match: _FRENCH_NAMES[match.group(1)], text) if french else text
