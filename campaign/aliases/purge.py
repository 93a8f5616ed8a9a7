"""Alias cleansing's purge steps (declared in contributions.py): the row audit of runs
older than the retention of "alias_changes" (a run can be reverted until then), and the
runs themselves with their per-alias figures after "alias_cleansing_runs". A run's rows
go before the run (they point at it without a database constraint)."""

from django.db.models import Q

from workflows.plugins import BatchOperation, PurgeContext

from .models import AliasRewrite, CleansingRun, RewrittenRow


def _what(model):
    return str(model._meta.verbose_name_plural)


def alias_changes(context: PurgeContext):
    cutoff = context.cutoff("alias_changes")
    if cutoff is None:
        return None
    old_runs = CleansingRun.objects.older_than(cutoff).values("pk")
    return [BatchOperation(RewrittenRow, Q(run__in=old_runs), _what(RewrittenRow))]


def cleansing_runs(context: PurgeContext):
    cutoff = context.cutoff("alias_cleansing_runs")
    if cutoff is None:
        return None
    old_runs = CleansingRun.objects.older_than(cutoff).values("pk")
    return [
        BatchOperation(RewrittenRow, Q(run__in=old_runs), _what(RewrittenRow)),
        BatchOperation(AliasRewrite, Q(run__in=old_runs), _what(AliasRewrite)),
        BatchOperation(CleansingRun, Q(ran_at__lt=cutoff), _what(CleansingRun), keyset="ran_at"),
    ]
