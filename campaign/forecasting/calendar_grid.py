"""The provisional calendar's data: a month or a week of days (Monday first, local
time), each with the provisional deliveries planned that day and the forecast volume
per channel against capacity.

What a day shows:
- the deliveries of the current forecast planned that day, with their figures (marked
  "changed since the forecast" when the delivery has since moved, left provisional
  mode or been cancelled);
- the provisional deliveries planned that day that the current forecast does not hold
  as planned now (new, moved, or beyond the horizon): "not forecast yet";
- per channel, the volume the current forecast gives that day, its capacity and
  whether it overruns it (what the forecasting workflow computed and journalled).
Five queries whatever the number of deliveries.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from campaign.choices import SchedulingMode
from campaign.models import Delivery

from .choices import PLANNED_STATES, DeliveryOutcome
from .models import ChannelDayLoad, DeliveryForecast, Forecast, PressureRule

MONTH, WEEK = "month", "week"
VIEWS = {MONTH: _("Month"), WEEK: _("Week")}


class EntryStatus:
    FORECAST = "forecast"
    CHANGED = "changed"
    NOT_FORECAST = "not_forecast"


@dataclass
class Entry:
    """A delivery on the calendar."""

    delivery: Delivery
    channel: object
    planned_at: datetime
    status: str
    outcome: str = ""
    weight: int = 1
    targeted: int | None = None
    excluded: int | None = None
    per_rule: list = field(default_factory=list)

    @property
    def volume(self):
        return None if self.targeted is None else self.targeted - self.excluded

    @property
    def outcome_label(self):
        return DeliveryOutcome(self.outcome).label if self.outcome else ""


@dataclass
class ChannelTotal:
    channel: object
    volume: int
    capacity: int | None
    overrun: bool


@dataclass
class Day:
    day: date
    in_period: bool
    is_today: bool
    entries: list = field(default_factory=list)
    totals: list = field(default_factory=list)

    @property
    def overrun(self):
        return any(total.overrun for total in self.totals)


@dataclass
class Calendar:
    view: str
    anchor: date
    first: date  # of the period (month or week)
    last: date
    grid_first: date  # the grid starts on a Monday and ends on a Sunday
    grid_last: date
    weeks: list
    forecast: Forecast | None
    loads: list

    @property
    def title(self):
        if self.view == MONTH:
            return formats.date_format(self.first, "YEAR_MONTH_FORMAT")
        return _("Week of %(day)s") % {"day": formats.date_format(self.first, "DATE_FORMAT")}

    @property
    def middle(self):
        """The day the other view opens on: a week's Thursday (the month most of its
        days are in), a month's first day."""
        return self.first + timedelta(days=3) if self.view == WEEK else self.first

    @property
    def previous(self):
        return _shift(self.view, self.first, -1)

    @property
    def next(self):
        return _shift(self.view, self.first, 1)

    @property
    def days(self):
        return [day for week in self.weeks for day in week]

    @property
    def entries(self):
        return [entry for day in self.days if day.in_period for entry in day.entries]

    @property
    def overruns(self):
        return [load for load in self.loads if load.overrun and self.first <= load.day <= self.last]

    @property
    def weekdays(self):
        return [formats.date_format(day.day, "l") for day in self.weeks[0]]


def _shift(view, first, step):
    if view == WEEK:
        return first + timedelta(days=7 * step)
    month = first.month - 1 + step
    return date(first.year + month // 12, month % 12 + 1, 1)


def period(view, anchor):
    """(first, last) day of the month or week (Monday to Sunday) holding `anchor`."""
    if view == WEEK:
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6)
    first = anchor.replace(day=1)
    return first, _shift(MONTH, first, 1) - timedelta(days=1)


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


def build(view, anchor, today):
    """The calendar of the month or week holding `anchor` (`today` is highlighted)."""
    first, last = period(view, anchor)
    grid_first = first - timedelta(days=first.weekday())
    grid_last = last + timedelta(days=6 - last.weekday())
    start, end = _start_of(grid_first), _start_of(grid_last + timedelta(days=1))
    forecast = Forecast.objects.current().first()
    by_day = defaultdict(list)
    held = set()
    if forecast is not None:
        rules = dict(PressureRule.objects.values_list("pk", "label"))
        rows = (
            DeliveryForecast.objects.filter(forecast=forecast, day__gte=grid_first, day__lte=grid_last)
            .select_related("delivery", "channel")
            .order_by("planned_at", "delivery_id")
        )
        for row in rows:
            delivery = row.delivery
            unchanged = (
                delivery.planned_at == row.planned_at
                and delivery.scheduling_mode == SchedulingMode.PROVISIONAL
                and delivery.state in PLANNED_STATES
                and not delivery.deleted
            )
            if unchanged:
                held.add(delivery.pk)
            by_day[row.day].append(
                Entry(
                    delivery=delivery,
                    channel=row.channel,
                    planned_at=row.planned_at,
                    status=EntryStatus.FORECAST if unchanged else EntryStatus.CHANGED,
                    outcome=row.outcome,
                    weight=row.weight,
                    targeted=row.targeted,
                    excluded=row.excluded,
                    per_rule=[
                        (rules.get(int(rule), f"#{rule}"), count)
                        for rule, count in row.excluded_per_rule.items()
                    ],
                )
            )
    waiting = (
        Delivery.objects.provisional()
        .filter(state__in=PLANNED_STATES, planned_at__gte=start, planned_at__lt=end)
        .exclude(pk__in=held)
        .select_related("channel")
        .order_by("planned_at", "pk")
    )
    for delivery in waiting:
        by_day[timezone.localdate(delivery.planned_at)].append(
            Entry(
                delivery=delivery,
                channel=delivery.channel,
                planned_at=delivery.planned_at,
                status=EntryStatus.NOT_FORECAST,
                weight=delivery.weight,
            )
        )
    loads = []
    totals = defaultdict(list)
    if forecast is not None:
        loads = list(
            ChannelDayLoad.objects.filter(forecast=forecast, day__gte=grid_first, day__lte=grid_last)
            .select_related("channel")
            .order_by("day", "channel__code")
        )
        for load in loads:
            totals[load.day].append(ChannelTotal(load.channel, load.volume, load.capacity, load.overrun))
    weeks, day = [], grid_first
    while day <= grid_last:
        week = []
        for _weekday in range(7):
            entries = sorted(by_day.get(day, []), key=lambda entry: (entry.planned_at, entry.delivery.pk))
            week.append(Day(day, first <= day <= last, day == today, entries, totals.get(day, [])))
            day += timedelta(days=1)
        weeks.append(week)
    return Calendar(view, anchor, first, last, grid_first, grid_last, weeks, forecast, loads)


def chart(calendar):
    """Chart.js data: the forecast volume per channel and day of the period."""
    days = [day.day for day in calendar.days if day.in_period]
    series = defaultdict(lambda: [0] * len(days))
    labels = {}
    index = {day: position for position, day in enumerate(days)}
    for load in calendar.loads:
        if load.day in index:
            series[load.channel.code][index[load.day]] = load.volume
            labels[load.channel.code] = str(load.channel)
    return {
        "labels": [day.isoformat() for day in days],
        "datasets": [{"label": labels[code], "data": series[code]} for code in sorted(series)],
        "axis": str(_("Messages forecast")),
    }
