"""Revert one alias cleansing run: put back the spellings it rewrote, from its audit.

Only rows that still hold the value the run wrote are restored (a row changed since
keeps its current value), one set-based UPDATE per field, in one transaction with the
run's status moving from applied to reverted (compare-and-set: a run is reverted once).
The rows restored are taken off the hits of their aliases and recorded on the run's
rewrites, so a full hit recount no longer counts them. The aliases keep their targets:
the next cleansing rewrites the restored spellings again unless their alias changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from campaign.models import EnumerationAlias

from .choices import RunStatus
from .fields import CleansedField, Skipped, field_by_key
from .models import AliasRewrite, CleansingRun, RewrittenRow

ROWS = RewrittenRow._meta.db_table


class RevertRefused(Exception):
    """A readable reason why a run cannot be reverted (nothing was changed)."""


@dataclass
class Reverted:
    run: CleansingRun
    restored: int
    kept: int


def _restored_sql_postgresql(target: CleansedField) -> str:
    return f"""
        WITH restored AS (
            UPDATE {target.table} t SET {target.column} = ch.old_value
            FROM {ROWS} ch
            WHERE ch.run_id = %(run)s AND ch.binding = %(binding)s
              AND t.{target.pk} = ch.row_id AND t.{target.column} = ch.new_value
            RETURNING ch.alias_id, ch.new_value
        )
        SELECT alias_id, new_value, COUNT(*) FROM restored GROUP BY alias_id, new_value
    """


def _still_written_sql_sqlite(target: CleansedField) -> str:
    return f"""
        SELECT ch.alias_id, ch.new_value, COUNT(*)
        FROM {ROWS} ch JOIN {target.table} t ON t.{target.pk} = ch.row_id AND t.{target.column} = ch.new_value
        WHERE ch.run_id = %(run)s AND ch.binding = %(binding)s
        GROUP BY ch.alias_id, ch.new_value
    """


def _restore_sql_sqlite(target: CleansedField) -> str:
    return f"""
        UPDATE {target.table} SET {target.column} = ch.old_value
        FROM {ROWS} ch
        WHERE ch.run_id = %(run)s AND ch.binding = %(binding)s
          AND {target.table}.{target.pk} = ch.row_id AND {target.table}.{target.column} = ch.new_value
    """


def _restore(target: CleansedField, run: CleansingRun) -> list[tuple[int | None, str, int]]:
    """Restore one field; returns (alias id, value written, rows restored) groups."""
    params = {"run": run.pk, "binding": target.key}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_restored_sql_postgresql(target), params)
            return list(cursor.fetchall())
        cursor.execute(_still_written_sql_sqlite(target), params)
        groups = list(cursor.fetchall())
        cursor.execute(_restore_sql_sqlite(target), params)
        return groups


def _account(run: CleansingRun, binding: str, groups) -> int:
    """Record the restored rows on the run's rewrites and take them off the hits."""
    total = 0
    for alias_id, written, count in groups:  # one group per alias of the run: a handful
        total += count
        AliasRewrite.objects.filter(run=run, binding=binding, alias_id=alias_id, target=written).update(
            rows_restored=F("rows_restored") + count
        )
        if alias_id is not None:
            EnumerationAlias.objects.filter(pk=alias_id).update(
                hits=Case(When(hits__gt=count, then=F("hits") - count), default=Value(0))
            )
    return total


def revert(run: CleansingRun, user, now: datetime) -> Reverted:
    """Revert `run`, or raise RevertRefused with the reason (and change nothing)."""
    bindings = list(
        AliasRewrite.objects.filter(run=run).order_by("binding").values_list("binding", flat=True).distinct()
    )
    if run.status != RunStatus.APPLIED:
        raise RevertRefused(_("run #%(run)s is already reverted") % {"run": run.pk})
    if run.rows_rewritten == 0:
        raise RevertRefused(_("run #%(run)s rewrote no row: there is nothing to revert") % {"run": run.pk})
    if not RewrittenRow.objects.filter(run=run).exists():
        raise RevertRefused(
            _(
                "the rows run #%(run)s changed are no longer recorded (retention of the alias changes): "
                "it can no longer be reverted"
            )
            % {"run": run.pk}
        )
    targets = []
    for binding in bindings:
        target = field_by_key(binding)
        if target is None or isinstance(target, Skipped):
            reason = target.reason if target is not None else _("no installed app declares it any more")
            raise RevertRefused(
                _("the field of binding %(binding)s cannot be restored: %(reason)s")
                % {"binding": binding, "reason": reason}
            )
        targets.append(target)
    with transaction.atomic():
        claimed = CleansingRun.objects.filter(pk=run.pk, status=RunStatus.APPLIED).update(
            status=RunStatus.REVERTED, reverted_at=now, reverted_by=user
        )
        if claimed != 1:
            raise RevertRefused(_("run #%(run)s is already reverted") % {"run": run.pk})
        restored = sum(_account(run, target.key, _restore(target, run)) for target in targets)
        kept = run.rows_rewritten - restored
        CleansingRun.objects.filter(pk=run.pk).update(rows_restored=restored, rows_kept=kept)
    run.refresh_from_db()
    return Reverted(run, restored, kept)
