"""The audit of alias cleansing: one CleansingRun per run, how many rows it rewrote per
field and alias (AliasRewrite, kept with the run), and which rows it changed from what
(RewrittenRow, kept for the retention of the "alias_changes" data class, so that the
run can be reverted until then).

Links to workflow runs carry no database constraint (the engine purges run history
with set-based SQL; the audit outlives its run). Rows of the audit are never deleted one
by one through Django (a run's rows can be millions): cleanup purges them set-based.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from campaign.models import Enumeration, EnumerationAlias

from .choices import HitsMode, RunStatus


class CleansingRunQuerySet(models.QuerySet):
    def latest_first(self):
        return self.order_by("-ran_at", "-id")

    def older_than(self, moment):
        return self.filter(ran_at__lt=moment)


class CleansingRun(models.Model):
    """One run of alias cleansing: its figures per field, and whether it was reverted."""

    ran_at = models.DateTimeField(_("run at"))
    workflow_run = models.ForeignKey(
        "workflows.WorkflowRun",
        verbose_name=_("workflow run"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    hits_mode = models.CharField(_("hits"), max_length=20, choices=HitsMode, default=HitsMode.INCREMENTAL)
    values_collected = models.PositiveIntegerField(_("values collected"), default=0)
    rows_rewritten = models.PositiveBigIntegerField(_("rows rewritten"), default=0)
    hits_updated = models.PositiveIntegerField(_("hits updated"), default=0)
    # [{"binding", "field", "enumeration", "collected", "rewritten", "hits_updated"}], in run order.
    fields = models.JSONField(_("per field"), default=list)
    status = models.CharField(_("status"), max_length=20, choices=RunStatus, default=RunStatus.APPLIED)
    reverted_at = models.DateTimeField(_("reverted at"), null=True, blank=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reverted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rows_restored = models.PositiveBigIntegerField(_("rows restored"), default=0)
    rows_kept = models.PositiveBigIntegerField(
        _("rows kept"),
        default=0,
        help_text=_("Rows not restored: they no longer held the value the run wrote."),
    )

    objects = CleansingRunQuerySet.as_manager()

    class Meta:
        ordering = ["-ran_at", "-id"]
        verbose_name = _("alias cleansing run")
        verbose_name_plural = _("alias cleansing runs")
        permissions = [
            ("cleanse_values", _("Can run alias cleansing now")),
            ("revert_cleansingrun", _("Can revert an alias cleansing run")),
        ]
        indexes = [
            # The screens list the latest runs; cleanup purges runs by age.
            models.Index(fields=["ran_at"], name="aliases_run_ran_at"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.ran_at:%Y-%m-%d %H:%M}"


class AliasRewrite(models.Model):
    """How many rows of one field one run rewrote through one alias (or, in an
    enumeration that ignores case, from variants of a value's own spelling)."""

    run = models.ForeignKey(
        CleansingRun, on_delete=models.CASCADE, related_name="rewrites", verbose_name=_("run")
    )
    binding = models.CharField(_("binding"), max_length=100)
    field = models.CharField(_("field"), max_length=200)
    enumeration = models.ForeignKey(
        Enumeration, verbose_name=_("enumeration"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    alias = models.ForeignKey(
        EnumerationAlias,
        verbose_name=_("alias"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    matched = models.CharField(_("spelling matched"), max_length=200)
    target = models.CharField(_("rewritten to"), max_length=200)
    rows_rewritten = models.PositiveBigIntegerField(_("rows rewritten"))
    rows_restored = models.PositiveBigIntegerField(_("rows restored"), default=0)

    class Meta:
        ordering = ["run", "field", "-rows_rewritten", "matched"]
        verbose_name = _("rewrite")
        verbose_name_plural = _("rewrites")
        # Read through the run (its FK index): the run's page, full hit recounts.

    def __str__(self):
        return f"{self.field}: {self.matched} → {self.target} ({self.rows_rewritten})"


class RewrittenRow(models.Model):
    """One row one run changed: which row of which field, from what to what. Revert
    restores `old_value` where the row still holds `new_value`."""

    # No constraint: a run writes up to millions of rows and a per-row check would slow
    # it; cleanup deletes a run's rows before the run (campaign.aliases.purge).
    run = models.ForeignKey(
        CleansingRun, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    binding = models.CharField(max_length=100)
    row_id = models.BigIntegerField()
    old_value = models.TextField()
    new_value = models.TextField()
    # No constraint nor index: aliases may be deleted; the rewrite summary keeps its spelling.
    alias = models.ForeignKey(
        EnumerationAlias,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rewritten row")
        verbose_name_plural = _("rewritten rows")
        indexes = [
            # Revert, the run's CSV export and cleanup read one run's rows (per field).
            models.Index(fields=["run", "binding"], name="aliases_row_run"),
        ]
