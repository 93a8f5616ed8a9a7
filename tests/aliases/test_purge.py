"""cleanup purges alias cleansing's audit through the plug-in points: the rewritten rows
after the retention of "alias_changes" (30 days), the runs and their figures after
"alias_cleansing_runs" (360 days)."""

from datetime import timedelta

import pytest

from campaign import cleanup
from campaign.aliases import cleansing
from campaign.aliases.models import AliasRewrite, CleansingRun, RewrittenRow
from campaign.models import RetentionPeriod

from .conftest import NOW, recipients

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_runs(catalog):
    """Runs 400, 40 and 2 days before NOW, each rewriting two rows."""
    catalog.alias(catalog.country, "FR", "France")
    runs = []
    for days in (400, 40, 2):
        recipients("country", ["fr", "FR"])
        runs.append(cleansing.cleanse(NOW - timedelta(days=days)).run)
    return runs


def rows_per_run():
    return {run.pk: RewrittenRow.objects.filter(run=run).count() for run in CleansingRun.objects.all()}


def test_the_declared_data_classes_and_steps_are_on_the_purge_data_screen(administrator_client):
    from django.urls import reverse

    page = administrator_client.get(reverse("campaign:purge_settings")).content.decode()
    assert "Alias cleansing: rewritten rows (days)" in page and 'value="30"' in page
    assert "Alias cleansing: runs (days)" in page and 'value="360"' in page


def test_cleanup_deletes_the_row_audit_after_30_days_and_the_runs_after_360(three_runs):
    old, month, recent = three_runs
    preview = {row.step: row for row in cleanup.preview(NOW)}
    assert preview["alias_changes"].rows == 4  # rows of the runs of 400 and 40 days

    cleanup.run_steps(NOW, log=lambda line: None, only=("alias_changes", "alias_cleansing_runs"))

    assert list(CleansingRun.objects.order_by("ran_at").values_list("pk", flat=True)) == [month.pk, recent.pk]
    assert rows_per_run() == {month.pk: 0, recent.pk: 2}
    assert AliasRewrite.objects.filter(run=month).exists()  # the figures stay with the run
    assert not AliasRewrite.objects.filter(run_id=old.pk).exists()


def test_no_retention_keeps_the_audit_forever(three_runs):
    RetentionPeriod.objects.update_or_create(key="alias_changes", defaults={"days": None})
    RetentionPeriod.objects.update_or_create(key="alias_cleansing_runs", defaults={"days": None})
    cleanup.run_steps(NOW, log=lambda line: None, only=("alias_changes", "alias_cleansing_runs"))
    assert sorted(rows_per_run().values()) == [2, 2, 2]
