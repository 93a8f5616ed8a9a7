"""forecasting (Forecasting, daily 01:00): forecast logs for the deliveries of the
provisional calendar, pressure exclusions and capacity overruns. Adobe §9.

A run builds a new forecast beside the current one:
1. the provisional deliveries planned in the horizon (from `now`, a setting in days),
   being edited or pending, each get their forecast logs in one INSERT … SELECT from
   their target (logs.py); a delivery without a usable target is noted, not forecast;
2. each active pressure rule writes the profiles each delivery excludes, in one
   INSERT … SELECT with window functions (pressure.py);
3. one summary per delivery (recipients targeted, profiles excluded in all and per
   rule) and the volume per channel and day against capacity (capacity.py); overruns
   go to the journal as warnings;
4. in one short transaction the new build becomes current and the previous one is
   superseded (compare-and-set on the expected statuses);
5. the superseded build, and any left by a failed or killed run, are deleted in
   bounded batches (campaign.cleanup's batches), so deliveries no longer provisional,
   cancelled or past lose their forecast logs.
A failed run marks its build failed and leaves the current forecast in place; two runs
give the same forecast (idempotent), since every build starts from nothing.
"""

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from campaign import configuration, targeting
from campaign.cleanup import Job
from campaign.models import Delivery, PurgeSettings
from workflows.api import LogLevel, WorkflowError
from workflows.plugins import BatchOperation

from . import capacity, logs, pressure
from .choices import PLANNED_STATES, DeliveryOutcome, ForecastStatus
from .models import (
    ChannelDayLoad,
    DeliveryForecast,
    Forecast,
    ForecastExclusion,
    ForecastLog,
    PressureRule,
)

HORIZON_SETTING = "forecasting.horizon_days"


def _print(message, level=LogLevel.INFO):
    print(message)


def forecastable(now, horizon_end):
    """The provisional deliveries the forecast analyses, in planned order."""
    return (
        Delivery.objects.provisional()
        .filter(state__in=PLANNED_STATES, planned_at__gte=now, planned_at__lt=horizon_end)
        .select_related("channel")
        .order_by("planned_at", "pk")
    )


@dataclass
class Build:
    """What one run built (the figures of its journal and metrics)."""

    forecast: Forecast
    deliveries: int = 0
    logs: int = 0
    excluded: int = 0
    overruns: list = field(default_factory=list)
    discarded: int = 0


def build(now, horizon_days, *, run=None, log=_print, batch_size=None):
    """Build a forecast for `now` and make it current; returns the Build."""
    started = time.perf_counter()
    batch_size = batch_size or PurgeSettings.load().batch_size
    discard(now, batch_size, keep=())  # what a killed run left behind
    forecast = Forecast.objects.create(
        computed_at=now, horizon_end=now + timedelta(days=horizon_days), run=run
    )
    try:
        result = fill(forecast, now, log)
        forecast.duration = round(time.perf_counter() - started, 3)
        promote(forecast)
    except BaseException:
        Forecast.objects.filter(pk=forecast.pk, status=ForecastStatus.BUILDING).update(
            status=ForecastStatus.FAILED
        )
        raise
    result.discarded = discard(now, batch_size, keep=(forecast.pk,))
    return result


def fill(forecast, now, log):
    """Steps 1 to 3 into the build `forecast`."""
    result = Build(forecast)
    summaries, judged = {}, []
    for delivery in forecastable(now, forecast.horizon_end):
        outcome = logs.outcome_of(delivery)
        targeted = logs.write(forecast, delivery) if outcome == DeliveryOutcome.FORECAST else 0
        if outcome == DeliveryOutcome.FORECAST:
            judged.append(delivery)
        else:
            log(
                f"Delivery “{delivery.label}” (#{delivery.pk}) is not forecast: {outcome.label}",
                LogLevel.WARNING,
            )
        summaries[delivery.pk] = DeliveryForecast(
            forecast=forecast,
            delivery=delivery,
            channel_id=delivery.channel_id,
            planned_at=delivery.planned_at,
            day=timezone.localdate(delivery.planned_at),
            weight=delivery.weight,
            outcome=outcome,
            targeted=targeted,
        )
        result.logs += targeted
    result.deliveries = len(summaries)
    log(
        f"{result.deliveries} provisional deliveries analysed up to "
        f"{timezone.localtime(forecast.horizon_end):%Y-%m-%d %H:%M}, {len(judged)} forecast: "
        f"{result.logs:,} forecast logs written"
    )
    apply_pressure(forecast, judged, log)
    count_exclusions(forecast, summaries)
    DeliveryForecast.objects.bulk_create(summaries.values())
    result.excluded = sum(summary.excluded for summary in summaries.values())
    result.overruns = capacity.write_loads(forecast, capacity.rules_by_channel())
    for load in result.overruns:
        log(
            f"Capacity overrun: {load.channel} on {load.day:%Y-%m-%d}, {load.volume:,} messages "
            f"forecast for a capacity of {load.capacity:,}",
            LogLevel.WARNING,
        )
    forecast.deliveries = result.deliveries
    forecast.logs = result.logs
    forecast.excluded = result.excluded
    forecast.overruns = len(result.overruns)
    return result


def apply_pressure(forecast, deliveries, log):
    """Step 2: every active pressure rule over the deliveries of its scope."""
    for rule in PressureRule.objects.filter(active=True).select_related("channel").order_by("pk"):
        judged = [
            pressure.Judged(delivery.pk, delivery.planned_at, delivery.weight)
            for delivery in deliveries
            if rule.channel_id in (None, delivery.channel_id)
        ]
        started = time.perf_counter()
        rows = pressure.exclude(forecast, rule, judged)
        scope = rule.channel or "all channels"
        log(
            f"Pressure rule “{rule.label}” (at most {rule.max_messages} in {rule.period_days} days, "
            f"{scope}): {len(judged)} deliveries judged, {rows:,} exclusions "
            f"in {time.perf_counter() - started:.2f} s"
        )


def count_exclusions(forecast, summaries):
    """Profiles each delivery excludes, per rule and in all (a profile two rules
    exclude counts once in all)."""
    exclusions = ForecastExclusion.objects.filter(forecast_id=forecast.pk).order_by()
    per_rule = exclusions.values("delivery_id", "rule_id").annotate(profiles=Count("pk"))
    rules = set()
    for row in per_rule:  # one row per delivery and rule
        summary = summaries[row["delivery_id"]]
        summary.excluded_per_rule[str(row["rule_id"])] = row["profiles"]
        summary.excluded += row["profiles"]
        rules.add(row["rule_id"])
    if len(rules) > 1:
        distinct = exclusions.values("delivery_id").annotate(profiles=Count("profile_id", distinct=True))
        for row in distinct:
            summaries[row["delivery_id"]].excluded = row["profiles"]


def promote(forecast):
    """Step 4: the build becomes the current forecast, in one transaction."""
    with transaction.atomic():
        Forecast.objects.filter(status=ForecastStatus.CURRENT).update(status=ForecastStatus.SUPERSEDED)
        promoted = Forecast.objects.filter(pk=forecast.pk, status=ForecastStatus.BUILDING).update(
            status=ForecastStatus.CURRENT,
            deliveries=forecast.deliveries,
            logs=forecast.logs,
            excluded=forecast.excluded,
            overruns=forecast.overruns,
            duration=forecast.duration,
        )
        if promoted != 1:
            raise WorkflowError(f"forecast #{forecast.pk} is no longer being built: not made current")
    forecast.status = ForecastStatus.CURRENT


def discard(now, batch_size, keep):
    """Step 5: delete every build but the current one and `keep`, the large tables in
    bounded batches; returns the forecast logs deleted."""
    stale = list(Forecast.objects.stale(keep).values_list("pk", flat=True))
    if not stale:
        return 0
    job = Job(now=now, batch_size=batch_size)
    of_stale = Q(forecast_id__in=stale)
    job.apply(BatchOperation(ForecastExclusion, of_stale, "pressure exclusions", keyset="planned_at"))
    deleted = job.apply(BatchOperation(ForecastLog, of_stale, "forecast logs", keyset="planned_at"))
    DeliveryForecast.objects.filter(of_stale).delete()
    ChannelDayLoad.objects.filter(of_stale).delete()
    Forecast.objects.filter(pk__in=stale).delete()
    return deleted


def preview_text(now):
    """`run_workflow forecasting --dry-run`: what a run would analyse, changing nothing
    (the targets are counted, the pressure rules listed)."""
    horizon_end = now + timedelta(days=configuration.value(HORIZON_SETTING))
    deliveries = list(forecastable(now, horizon_end))
    until = timezone.localtime(horizon_end)
    lines = [
        f"Dry run at {timezone.localtime(now):%Y-%m-%d %H:%M:%S %Z}: nothing is changed.",
        f"  {len(deliveries)} provisional deliveries planned until {until:%Y-%m-%d %H:%M}:",
    ]
    for delivery in deliveries:
        outcome = logs.outcome_of(delivery)
        figure = (
            f"{targeting.delivery_recipients(delivery).count():,} recipients targeted"
            if outcome == DeliveryOutcome.FORECAST
            else f"not forecast: {outcome.label}"
        )
        lines.append(
            f"    {timezone.localtime(delivery.planned_at):%Y-%m-%d %H:%M} {delivery.channel} "
            f"“{delivery.label}” (#{delivery.pk}, weight {delivery.weight}): {figure}"
        )
    rules = PressureRule.objects.filter(active=True).select_related("channel").order_by("pk")
    lines.append(f"  {len(rules)} active pressure rules:")
    for rule in rules:
        scope = rule.channel or "all channels"
        lines.append(f"    “{rule.label}”: at most {rule.max_messages} in {rule.period_days} days, {scope}")
    return "\n".join(lines)


def run(ctx):
    """The workflow: build the forecast with the run's `now` and the horizon setting."""
    horizon_days = configuration.value(HORIZON_SETTING)
    result = build(ctx.now, horizon_days, run=ctx.run, log=ctx.log)
    if result.discarded:
        ctx.log(f"Previous forecast deleted: {result.discarded:,} forecast logs")
    ctx.log(
        f"Forecast #{result.forecast.pk} is current: {result.excluded:,} profiles excluded by pressure "
        f"rules, {len(result.overruns)} capacity overruns"
    )
    return {
        "deliveries_analysed": result.deliveries,
        "forecast_logs_written": result.logs,
        "profiles_excluded": result.excluded,
        "capacity_overruns": len(result.overruns),
    }
