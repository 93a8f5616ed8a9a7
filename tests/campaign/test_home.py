"""The operations home page (/admin/): what an operator checks first, each block
following its permission, nothing counted on page load, and the list of models one
click away."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.models import CleanupPreview
from reporting.models import ActiveProfileSnapshot, BillingReport
from tests.query_counts import assert_no_n_plus_one
from workflows.choices import RunStatus, Trigger, WorkflowState
from workflows.models import Workflow, WorkflowRun
from workflows.states import set_state

pytestmark = pytest.mark.django_db
HOME = "admin:index"


def blocks(html):
    return {
        key
        for key in ("workflows", "beat", "cleanup", "active_profiles", "billing", "workflow_changes")
        if f'data-block="{key}"' in html
    }


def test_an_administrator_sees_every_block_and_the_models_one_click_away(administrator_client):
    response = administrator_client.get(reverse(HOME))
    html = response.content.decode()
    assert blocks(html) == {"workflows", "beat", "cleanup", "active_profiles", "billing", "workflow_changes"}
    assert f'href="{reverse("admin:models")}"' in html
    models = administrator_client.get(reverse("admin:models")).content.decode()
    assert "Applications and models" in models and "Technical workflows" in models


def test_a_report_reader_sees_only_the_blocks_of_their_role(client, make_operator):
    client.force_login(make_operator("rita", groups=["Report readers"]))
    assert blocks(client.get(reverse(HOME)).content.decode()) == {"active_profiles"}


def test_a_supervisor_sees_the_workflow_blocks_and_may_count_the_cleanup(client, supervisor):
    client.force_login(supervisor)
    html = client.get(reverse(HOME)).content.decode()
    assert blocks(html) == {"workflows", "beat", "cleanup", "workflow_changes"}
    assert 'id="count-cleanup"' in html


def test_the_workflow_block_counts_states_and_links_failed_runs_of_the_last_24_hours(administrator_client):
    now = timezone.now()
    paused = Workflow.objects.get(name="cleanupPausedWorkflows")
    set_state(paused, WorkflowState.PAUSED)
    cleanup = Workflow.objects.get(name="cleanup")
    failed = WorkflowRun.objects.create(
        workflow=cleanup,
        trigger=Trigger.SCHEDULE,
        status=RunStatus.FAILED,
        created_at=now - timedelta(hours=2),
        finished_at=now - timedelta(hours=2),
        error="Step 5/11 “Delivery logs” (delivery_logs) failed: boom",
    )
    WorkflowRun.objects.create(
        workflow=cleanup,
        trigger=Trigger.SCHEDULE,
        status=RunStatus.FAILED,
        created_at=now - timedelta(days=2),
        finished_at=now - timedelta(days=2),
        error="an older failure",
    )
    html = administrator_client.get(reverse(HOME)).content.decode()
    started = Workflow.objects.filter(state=WorkflowState.STARTED).count()
    assert f'<li data-state="started"><strong>{started}</strong>' in html
    assert '<li data-state="paused"><strong>1</strong>' in html
    assert f'data-run="{failed.pk}"' in html and "an older failure" not in html
    assert reverse("admin:workflows_workflowrun_change", args=[failed.pk]) in html
    assert "cleanupPausedWorkflows" in html  # the change of state is listed


def test_nothing_is_counted_on_page_load_the_button_counts_and_keeps_the_time(administrator_client, world):
    world.logs(world.delivery(), [1, 2], timezone.now() - timedelta(days=400))
    html = administrator_client.get(reverse(HOME)).content.decode()
    assert "No dry run counted yet." in html and not CleanupPreview.objects.exists()
    response = administrator_client.post(reverse("campaign:count_cleanup"), follow=True)
    assert "2 rows would be deleted now" in response.content.decode()
    preview = CleanupPreview.objects.get()
    assert preview.rows_to_delete == 2 and preview.computed_by.username == "alice"
    html = administrator_client.get(reverse(HOME)).content.decode()
    assert 'id="home-cleanup-preview" data-rows="2"' in html
    assert administrator_client.get(reverse("campaign:count_cleanup")).status_code == 405


def test_the_reporting_blocks_show_the_latest_count_and_why_billing_was_not_sent(administrator_client):
    now = timezone.now()
    ActiveProfileSnapshot.objects.create(
        computed_at=now,
        window_start=now - timedelta(days=365),
        window_end=now,
        window_months=12,
        total=1234,
        per_table={"recipient": 1234},
        per_channel={},
        profiles_per_table={"recipient": 2000},
    )
    BillingReport.objects.create(
        period_start=now.date() - timedelta(days=40),
        period_end=now.date() - timedelta(days=10),
        computed_at=now,
        language="en",
        figures={},
        last_error="SMTP refused: 550 mailbox unavailable",
    )
    html = administrator_client.get(reverse(HOME)).content.decode()
    assert 'id="home-active-total">1,234<' in html
    assert 'data-sent="no"' in html and "SMTP refused: 550 mailbox unavailable" in html


def test_the_home_page_runs_as_many_queries_with_1_run_as_with_300(administrator_client):
    cleanup = Workflow.objects.get(name="cleanup")
    now = timezone.now()

    def add_runs(count):
        WorkflowRun.objects.bulk_create(
            WorkflowRun(
                workflow=cleanup,
                trigger=Trigger.MANUAL,
                status=RunStatus.FAILED,
                created_at=now - timedelta(minutes=i),
                finished_at=now - timedelta(minutes=i),
                error="x",
            )
            for i in range(count)
        )

    assert_no_n_plus_one(administrator_client, reverse(HOME), add_runs)
