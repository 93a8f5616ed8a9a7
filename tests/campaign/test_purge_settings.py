"""Administration › Platform › Deployment wizard › Purge data: the settings screen."""

import pytest
from django.urls import reverse

from campaign.models import PurgeSettings
from campaign.retention import cutoff, retention_days

from .cleanup_world import NOW, days_ago, delivery, logs

pytestmark = pytest.mark.django_db

URL = "/admin/platform/purge-data/"


def valid_post(**changes):
    data = {
        "deleted_deliveries_days": "7",
        "delivery_logs_days": "180",
        "tracking_logs_days": "360",
        "consolidated_tracking_days": "360",
        "raw_hits_days": "360",
        "import_rejects_days": "180",
        "propositions_days": "360",
        "events_days": "30",
        "event_statistics_days": "360",
        "archived_events_days": "360",
        "forecast_logs_days": "30",
        "statistics_mode": "vacuum_analyze",
        "batch_size": "20000",
    }
    data.update(changes)
    return data


def snapshot():
    return {f.name: getattr(PurgeSettings.load(), f.name) for f in PurgeSettings._meta.concrete_fields}


def test_the_url_is_the_one_the_sidebar_links_to():
    assert reverse("campaign_purge_settings") == URL


def test_anonymous_users_go_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


@pytest.mark.parametrize("group", ["Workflow supervisors", "Delivery operators", "Report readers"])
def test_only_administrators_may_see_or_change_it(client, make_operator, group):
    client.force_login(make_operator("op", groups=[group]))
    assert client.get(URL).status_code == 403
    before = snapshot()
    assert client.post(URL, valid_post(delivery_logs_days="1")).status_code == 403
    assert snapshot() == before


def test_the_screen_shows_the_form_the_policy_and_the_dry_run(administrator_client):
    logs(delivery(), [days_ago(400), days_ago(1)])
    response = administrator_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Deployment wizard" in html and "Purge data" in html  # breadcrumbs
    assert 'id="purge-settings-form"' in html
    assert "Delivery logs are deleted 180 days after their last event." in html
    assert "A deleted delivery is purged 7 days after its deletion" in html
    assert "(This platform has no such table yet: nothing to purge.)" in html
    assert "never released automatically" in html
    preview = {
        (item["row"].step, item["row"].table): item["row"].rows for item in response.context["preview"]
    }
    assert preview[("delivery_logs", "campaign_deliverylog")] == 1
    assert (
        'data-step="delivery_logs" data-table="campaign_deliverylog" data-action="delete" data-rows="1"'
        in html
    )


def test_the_sidebar_links_administrators_to_it(client, administrator, make_operator):
    client.force_login(administrator)
    assert f'href="{URL}"' in client.get("/admin/").content.decode()
    client.force_login(make_operator("op", groups=["Delivery operators"]))
    assert f'href="{URL}"' not in client.get("/admin/").content.decode()


def test_saving_changes_the_settings_and_says_who(administrator_client, administrator):
    response = administrator_client.post(
        URL, valid_post(delivery_logs_days="90", events_days="", statistics_mode="analyze", batch_size="5000")
    )
    assert response.status_code == 302
    settings = PurgeSettings.load()
    assert settings.delivery_logs_days == 90
    assert settings.events_days is None
    assert settings.statistics_mode == "analyze"
    assert settings.batch_size == 5000
    assert settings.updated_by == administrator
    page = administrator_client.get(URL).content.decode()
    assert "The purge settings were saved." in page
    assert "Delivery logs are deleted 90 days after their last event." in page
    assert "Message Center events are kept forever (no retention set)." in page
    assert "ANALYZE (statistics only)" in page


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("delivery_logs_days", "0", "0 would delete everything at every run"),
        ("events_days", "-3", "0 would delete everything at every run"),
        ("deleted_deliveries_days", "abc", "Enter a whole number of days"),
        ("propositions_days", "40000", "At most 36500 days"),
        ("batch_size", "10", "The batch size must be at least 100 rows."),
        ("batch_size", "", "Enter a batch size"),
        ("statistics_mode", "full", "Select a valid choice"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(administrator_client, field, value, message):
    before = snapshot()
    response = administrator_client.post(URL, valid_post(**{"events_days": "45", field: value}))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Nothing was saved" in html
    assert snapshot() == before


def test_the_cutoff_refuses_a_zero_written_behind_the_forms_back():
    settings = PurgeSettings.load()
    settings.delivery_logs_days = 0  # never saved: the database refuses it too
    with pytest.raises(ValueError, match="below 1 day"):
        retention_days(settings, "delivery_logs_days")
    settings.delivery_logs_days = None
    assert cutoff(settings, "delivery_logs_days", NOW) is None
    settings.delivery_logs_days = 180
    assert cutoff(settings, "delivery_logs_days", NOW) == days_ago(180)
