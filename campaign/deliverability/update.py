"""deliverabilityUpdate (nightly): the logic, without Celery.

1. When the Deliverability module is not installed (setting `deliverability.installed`),
   the run changes nothing and ends with the journal line saying so (metrics
   {"skipped": 1}: the engine has no "skipped by the workflow" outcome).
2. Successes: the quarantine records get the time of their address's latest successful
   delivery, read from the delivery logs after the step's pointer (successes.py), for
   cleanup's release rule.
3. The ruleset: downloaded over HTTPS (feed.py, conditional on the ETag and
   Last-Modified of the ruleset in force), validated, and applied in one transaction
   (rules.py). Any failure fails the run with one line, the rules in force untouched.
"""

from __future__ import annotations

import ssl

from django.utils.timezone import localtime

from workflows.api import RunContext, WorkflowError

from . import feed, rules, successes
from .conf import DeliverabilitySettings
from .models import RulesetState

NOT_INSTALLED = (
    "The Deliverability module is not installed (Administration › Platform › Settings › Deliverability): "
    "skipped, nothing changed"
)


def refresh_ruleset(
    ctx: RunContext, settings: DeliverabilitySettings, context: ssl.SSLContext | None = None
) -> dict:
    """Download and apply the ruleset; returns the metrics. WorkflowError on failure."""
    state = RulesetState.load()
    known = state.source == settings.feed_url
    try:
        download = feed.download(
            settings.feed_url,
            etag=state.etag if known else "",
            last_modified=state.last_modified if known else "",
            timeout=settings.feed_timeout_seconds,
            max_bytes=settings.feed_max_bytes,
            context=context,
        )
    except feed.FeedError as exc:
        raise WorkflowError(f"Ruleset not downloaded, rules unchanged: {exc}") from None
    if download.not_modified:
        RulesetState.objects.filter(pk=state.pk).update(checked_at=ctx.now)
        applied_at = f"{localtime(state.applied_at):%Y-%m-%d %H:%M}" if state.applied_at else "?"
        ctx.log(
            f"Ruleset {state.revision} not modified since it was applied on {applied_at}: rules unchanged"
        )
        return {"ruleset_not_modified": 1}
    try:
        ruleset = rules.parse(download.body)
    except rules.RulesetError as exc:
        raise WorkflowError(f"Ruleset refused, rules unchanged: {exc}") from None
    applied = rules.apply(
        ruleset, ctx.now, source=settings.feed_url, etag=download.etag, last_modified=download.last_modified
    )
    ctx.log(f"Ruleset {ruleset.revision} applied: {applied.sentence()}")
    return applied.metrics()


def run(ctx: RunContext, settings: DeliverabilitySettings, context: ssl.SSLContext | None = None) -> dict:
    if not settings.installed:
        ctx.log(NOT_INSTALLED)
        return {"skipped": 1}
    stamped = successes.stamp_successes(ctx.now)
    ctx.log(stamped.sentence())
    metrics = {
        "change_order_read_up_to": stamped.read_to,
        "last_successes_stamped": stamped.records_stamped,
    }
    metrics.update(refresh_ruleset(ctx, settings, context))
    return metrics
