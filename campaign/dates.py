"""Calendar arithmetic shared by the core and the area apps.

Months are calendar months: moving 31 August by -6 months gives 28 (or 29) February,
the day being clamped to the target month's length.
"""

import calendar
from datetime import date
from typing import TypeVar

Day = TypeVar("Day", bound=date)


def add_months(day: Day, months: int) -> Day:
    """`day` (a date or datetime) moved by `months` calendar months, clamped to the
    target month's end; a datetime keeps its time and time zone."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
