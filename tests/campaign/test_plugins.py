"""Issue 7's proof: the test app tests/plugin_probe declares one of each plug-in
(purge step, delivery child table, data class, setting, data-generation table, role
permission, explorer folder and entry, URLs, home-page block, worker queue) and each
appears in the platform with no change outside it but its INSTALLED_APPS line
(campaign/settings_test.py)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from campaign import cleanup, configuration
from campaign.models import RetentionPeriod, SettingChange
from tests.builders import NOW, SECOND, days_ago, delivery
from tests.plugin_probe.models import ProbeRow
from workflows.plugins import Role

pytestmark = pytest.mark.django_db


def rows(parent, *times):
    ProbeRow.objects.bulk_create(ProbeRow(delivery=parent, noted_at=at) for at in times)


def test_its_purge_step_runs_in_its_slot_and_deletes_past_its_retention():
    keys = [step.key for step in cleanup.steps()]
    assert keys.index("propositions") < keys.index("probe_rows") < keys.index("events")
    rows(delivery(), days_ago(15) - SECOND, days_ago(15), days_ago(1))
    preview = {(row.step, row.table): row.rows for row in cleanup.preview(NOW)}
    assert preview[("probe_rows", "plugin_probe_proberow")] == 1
    metrics = {}
    cleanup.run_steps(NOW, log=[].append, metrics=metrics, only={"probe_rows"})
    assert metrics["probe_rows_rows"] == 1
    assert ProbeRow.objects.count() == 2


def test_its_table_goes_with_a_deleted_delivery():
    gone = delivery("gone", deleted=True, deleted_at=days_ago(8))
    kept = delivery("kept")
    rows(gone, days_ago(1))
    rows(kept, days_ago(1))
    cleanup.run_steps(NOW, log=[].append, only={"deleted_deliveries"})
    assert list(ProbeRow.objects.values_list("delivery_id", flat=True)) == [kept.pk]


def test_its_data_class_is_on_the_purge_data_screen(administrator_client):
    url = reverse("campaign:purge_settings")
    html = administrator_client.get(url).content.decode()
    assert 'name="probe_rows_days"' in html
    assert "Probe rows are deleted 15 days after they were noted." in html
    data = {
        "deleted_deliveries_days": "7",
        "delivery_logs_days": "180",
        "raw_hits_days": "360",
        "propositions_days": "360",
        "events_days": "30",
        "probe_rows_days": "20",
        "statistics_mode": "analyze",
        "batch_size": "20000",
    }
    assert administrator_client.post(url, data).status_code == 302
    assert RetentionPeriod.objects.get(key="probe_rows").days == 20


def test_its_setting_is_on_the_settings_screen_and_audited(administrator_client, administrator):
    url = reverse("campaign:settings")
    html = administrator_client.get(url).content.decode()
    assert "Plug-in probe" in html and "Probe threshold" in html
    assert configuration.value("plugin_probe.threshold") == 5
    form = administrator_client.get(url).context["form"]
    data = {name: field.initial for name, field in form.fields.items()}  # every app's settings as they are
    response = administrator_client.post(url, {**data, "plugin_probe__threshold": "11"})
    assert response.status_code == 200 and "less than or equal to 10" in response.content.decode()
    assert configuration.value("plugin_probe.threshold") == 5
    assert administrator_client.post(url, {**data, "plugin_probe__threshold": "7"}).status_code == 302
    assert configuration.value("plugin_probe.threshold") == 7
    change = SettingChange.objects.get(key="plugin_probe.threshold")
    assert (change.before, change.after, change.changed_by) == ("5", "7", administrator)


def test_its_permission_goes_to_the_seeded_group_it_names():
    readers = Group.objects.get(name=Role.REPORT_READERS.group_name)
    assert readers.permissions.filter(
        content_type__app_label="plugin_probe", codename="view_proberow"
    ).exists()
    operators = Group.objects.get(name=Role.DELIVERY_OPERATORS.group_name)
    assert not operators.permissions.filter(content_type__app_label="plugin_probe").exists()


def test_its_explorer_entry_page_and_home_block_follow_the_permission(client, make_operator):
    reader = make_operator("reader", groups=[Role.REPORT_READERS.group_name])
    operator = make_operator("operator", groups=[Role.DELIVERY_OPERATORS.group_name])
    page = reverse("plugin_probe:rows")
    assert page == "/admin/probe/rows/"
    client.force_login(reader)
    home = client.get(reverse("admin:index")).content.decode()
    assert "Probe folder" in home and f'href="{page}"' in home
    assert 'id="probe-home"' in home and "Probe block" in home
    response = client.get(page)
    assert response.status_code == 200 and 'id="probe-rows"' in response.content.decode()
    assert "Probe folder" in response.content.decode()  # breadcrumbs follow the explorer
    client.force_login(operator)
    home = client.get(reverse("admin:index")).content.decode()
    assert "Probe folder" not in home and 'id="probe-home"' not in home
    assert client.get(page).status_code == 403
    client.logout()
    assert client.get(page).status_code == 302  # to the login page


def test_its_public_endpoint_needs_no_login(client):
    response = client.get(reverse("plugin_probe_public:ping"))
    assert reverse("plugin_probe_public:ping") == "/p/probe/ping"
    assert response.status_code == 200 and response.content == b"probe pong"


def test_its_worker_queue_is_consumed_by_runall():
    from campaign.management.commands.runall import declared_queues

    assert "probe" in declared_queues()
    assert {"default", "long"} <= set(declared_queues())


def test_generate_data_fills_its_table_and_has_an_option_for_it():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("generate_data", "--preset", "tiny", "--probe-rows", "12", "--seed", "3", stdout=out)
    assert ProbeRow.objects.count() == 12
    assert ProbeRow.objects.filter(delivery__isnull=False).count() == 12  # each on a generated delivery
