"""The retention periods operators had saved on PurgeSettings move to one row per data
class (campaign 0005), whether or not an installed app declares the class today."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

BEFORE = ("campaign", "0004_drop_duplicate_fk_indexes")
AFTER = ("campaign", "0005_retention_and_settings_stores")


def migrate(*targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(list(targets))


def test_saved_retention_values_become_retention_periods():
    migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM campaign_purgesettings")
        cursor.execute(
            "INSERT INTO campaign_purgesettings (id, delivery_logs_days, tracking_logs_days, "
            "consolidated_tracking_days, deleted_deliveries_days, import_rejects_days, propositions_days, "
            "events_days, event_statistics_days, archived_events_days, raw_hits_days, forecast_logs_days, "
            "statistics_mode, batch_size) VALUES (1, 90, 365, 400, 3, NULL, 200, 45, 360, 720, 360, 30, "
            "'analyze', 5000)"
        )
    try:
        migrate(AFTER)
        with connection.cursor() as cursor:
            cursor.execute("SELECT key, days FROM campaign_retentionperiod")
            periods = dict(cursor.fetchall())
            cursor.execute("SELECT statistics_mode, batch_size FROM campaign_purgesettings")
            run_settings = cursor.fetchone()
    finally:
        executor = MigrationExecutor(connection)
        migrate(*executor.loader.graph.leaf_nodes())
    assert periods == {
        "delivery_logs": 90,
        "tracking_logs": 365,
        "consolidated_tracking": 400,
        "deleted_deliveries": 3,
        "import_rejects": None,  # kept forever, as saved
        "propositions": 200,
        "events": 45,
        "event_statistics": 360,
        "archived_events": 720,
        "raw_hits": 360,
        "forecast_logs": 30,
    }
    assert run_settings == ("analyze", 5000)
