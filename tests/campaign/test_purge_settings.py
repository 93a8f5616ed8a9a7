"""Administration › Platform › Deployment wizard › Purge data: the settings screen."""

import pytest
from django.urls import reverse

from campaign.models import PurgeSettings, RetentionPeriod, SettingChange
from campaign.retention import Retention, declared
from tests.builders import NOW, days_ago, delivery, logs

pytestmark = pytest.mark.django_db

URL = "/admin/platform/purge-data/"


def valid_post(**changes):
    """Every declared data class at its default (other installed apps declare some
    too), then the core's own values and the changes."""
    data = {f"{key}_days": str(data_class.default_days) for key, data_class in declared().items()}
    data |= {
        "deleted_deliveries_days": "7",
        "delivery_logs_days": "180",
        "raw_hits_days": "360",
        "propositions_days": "360",
        "events_days": "30",
        "statistics_mode": "vacuum_analyze",
        "batch_size": "20000",
    }
    data.update(changes)
    return data


def snapshot():
    purge = {f.name: getattr(PurgeSettings.load(), f.name) for f in PurgeSettings._meta.concrete_fields}
    return purge, Retention.load(), SettingChange.objects.count()


def test_the_url_is_the_one_the_sidebar_links_to():
    assert reverse("campaign:purge_settings") == URL


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
    # A data class is declared by the app that creates its table: none is shown without one.
    assert "(This platform has no such table yet: nothing to purge.)" not in html
    # Tracking logs are declared by the tracking app, which creates their table.
    assert "tracking_logs_days" in html
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
    retention = Retention.load()
    assert retention.days("delivery_logs") == 90
    assert retention.days("events") is None
    assert settings.statistics_mode == "analyze"
    assert settings.batch_size == 5000
    assert settings.updated_by == administrator
    page = administrator_client.get(URL).content.decode()
    assert "The purge settings were saved." in page
    assert "Delivery logs are deleted 90 days after their last event." in page
    assert "Message Center events are kept forever (no retention set)." in page
    assert "ANALYZE (statistics only)" in page
    # Who changed what, from what to what.
    changes = {c.key: (c.before, c.after, c.changed_by) for c in SettingChange.objects.all()}
    assert changes == {
        "retention.delivery_logs": ("180", "90", administrator),
        "retention.events": ("30", "", administrator),
        "cleanup.statistics_mode": ("vacuum_analyze", "analyze", administrator),
        "cleanup.batch_size": ("20000", "5000", administrator),
    }
    assert 'data-key="retention.delivery_logs"' in page


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
    retention = Retention({"delivery_logs": 0})  # never saved: the database refuses it too
    with pytest.raises(ValueError, match="below 1 day"):
        retention.days("delivery_logs")
    assert Retention({"delivery_logs": None}).cutoff("delivery_logs", NOW) is None
    assert Retention({"delivery_logs": 180}).cutoff("delivery_logs", NOW) == days_ago(180)


def test_a_data_class_of_an_app_no_longer_installed_keeps_its_value_off_screen(administrator_client):
    RetentionPeriod.objects.update_or_create(key="import_rejects", defaults={"days": 99})  # undeclared
    html = administrator_client.get(URL).content.decode()
    assert "import_rejects_days" not in html
    assert administrator_client.post(URL, valid_post()).status_code == 302
    assert RetentionPeriod.objects.get(key="import_rejects").days == 99
