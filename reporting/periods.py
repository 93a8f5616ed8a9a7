"""Calendar arithmetic in TIME_ZONE: the active-profile window and the billing period.

Months are calendar months in the platform's time zone: 12 months before 29 February
2024 01:00 is 28 February 2023 01:00 (the day is clamped to the month's length), and a
local midnight stays midnight across daylight-saving changes.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from campaign.dates import add_months

BILLING_DAY = 25  # the billing run's default day of the month; a period ends the day before


def zone():
    return ZoneInfo(settings.TIME_ZONE)


def months_before(moment, months):
    """The same local wall-clock time `months` calendar months before `moment`."""
    local = moment.astimezone(zone())
    moved = add_months(local.date(), -months)
    return datetime.combine(moved, local.time().replace(tzinfo=None), tzinfo=zone())


def local_midnight(day):
    return datetime.combine(day, time(0), tzinfo=zone())


@dataclass(frozen=True)
class Period:
    """A billing period: from `first_day` 00:00 to `last_day` 24:00, local time."""

    first_day: date
    last_day: date

    @property
    def start(self):
        return local_midnight(self.first_day)

    @property
    def end(self):
        """Exclusive end: the day after `last_day` at 00:00."""
        return local_midnight(self.last_day + timedelta(days=1))

    def __str__(self):
        return f"{self.first_day:%Y-%m-%d} – {self.last_day:%Y-%m-%d}"


def billing_period(now, day=BILLING_DAY):
    """The latest complete period at `now`: on 25 May it is 25 April – 24 May; any day
    before the 25th of a month gives the period that ended on the 24th of the month before."""
    today = now.astimezone(zone()).date()
    end = today.replace(day=day) if today.day >= day else add_months(today, -1).replace(day=day)
    return Period(first_day=add_months(end, -1), last_day=end - timedelta(days=1))
