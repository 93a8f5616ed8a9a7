"""Reporting's pages: as many queries with 1 row as with 300 (no N+1)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from reporting.models import ActiveProfileSnapshot, BillingReport
from tests.query_counts import assert_no_n_plus_one

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def add_snapshots(count):
    start = ActiveProfileSnapshot.objects.count()
    ActiveProfileSnapshot.objects.bulk_create(
        ActiveProfileSnapshot(
            computed_at=datetime.now(UTC) - timedelta(days=start + i, hours=1),
            window_start=NOW - timedelta(days=365),
            window_end=NOW,
            window_months=12,
            total=1000 + i,
            per_table={"recipient": 1000 + i},
            per_channel={"email": 1000 + i},
            profiles_per_table={"recipient": 5000},
        )
        for i in range(count)
    )


def add_reports(count):
    start = BillingReport.objects.count()
    BillingReport.objects.bulk_create(
        BillingReport(
            period_start=date(2000, 1, 25) + timedelta(days=31 * (start + i)),
            period_end=date(2000, 2, 24) + timedelta(days=31 * (start + i)),
            computed_at=NOW,
            language="en",
            figures={},
        )
        for i in range(count)
    )


@pytest.mark.parametrize(
    "url, add_rows",
    [
        ("reporting:customer_metrics?range=1y", add_snapshots),
        ("admin:reporting_activeprofilesnapshot_changelist", add_snapshots),
        ("admin:reporting_billingreport_changelist", add_reports),
    ],
)
def test_a_page_runs_as_many_queries_with_1_row_as_with_300(administrator_client, url, add_rows):
    name, _, query = url.partition("?")
    assert_no_n_plus_one(administrator_client, reverse(name) + (f"?{query}" if query else ""), add_rows)
