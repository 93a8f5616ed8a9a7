"""Who may see and do what on the workflow screens (roles seeded by campaign/roles.py)."""

import pytest
from django.urls import reverse

from workflows.choices import RunStatus, Trigger, WorkflowState
from workflows.models import Workflow, WorkflowRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def workflow():
    return Workflow.objects.select_related("periodic_task").get(name="cleanupPausedWorkflows")


@pytest.fixture
def run(workflow):
    return WorkflowRun.objects.create(
        workflow=workflow, trigger=Trigger.MANUAL, status=RunStatus.SKIPPED, created_at=workflow.created_at
    )


def action_urls(workflow):
    return [
        reverse(f"admin:workflows_workflow_{name}", args=[workflow.pk])
        for name in ("run", "pause", "resume", "stop")
    ]


def test_a_delivery_operator_gets_403_everywhere(client, make_operator, workflow, run):
    client.force_login(make_operator("dora", groups=["Delivery operators"]))
    pages = [
        reverse("admin:workflows_workflow_changelist"),
        reverse("admin:workflows_workflow_change", args=[workflow.pk]),
        reverse("admin:workflows_workflow_schedule", args=[workflow.pk]),
        reverse("admin:workflows_workflowrun_change", args=[run.pk]),
    ]
    for url in pages:
        assert client.get(url).status_code == 403, url
    for url in action_urls(workflow):
        assert client.post(url).status_code == 403, url
    assert (
        client.post(
            reverse("admin:workflows_workflow_schedule", args=[workflow.pk]), {"minute": "1", "save": "1"}
        ).status_code
        == 403
    )
    workflow.refresh_from_db()
    assert workflow.state == WorkflowState.STARTED
    assert WorkflowRun.objects.count() == 1
    # Nor does the sidebar offer the screen.
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:workflows_workflow_changelist") not in html


def test_anonymous_users_are_sent_to_the_login_page(client, workflow):
    response = client.get(reverse("admin:workflows_workflow_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url
    for url in action_urls(workflow):
        response = client.post(url)
        assert response.status_code == 302 and "/admin/login/" in response.url, url
    assert WorkflowRun.objects.count() == 0


def test_a_supervisor_operates_but_cannot_edit_the_schedule(client, supervisor, workflow):
    client.force_login(supervisor)
    html = client.get(reverse("admin:workflows_workflow_changelist")).content.decode()
    assert 'data-action="pause"' in html and 'data-action="run"' in html
    client.post(reverse("admin:workflows_workflow_pause", args=[workflow.pk]))
    workflow.refresh_from_db()
    assert workflow.state == WorkflowState.PAUSED
    client.post(reverse("admin:workflows_workflow_resume", args=[workflow.pk]))
    workflow.refresh_from_db()
    assert workflow.state == WorkflowState.STARTED
    client.post(reverse("admin:workflows_workflow_run", args=[workflow.pk]))
    assert WorkflowRun.objects.filter(workflow=workflow, status=RunStatus.QUEUED).count() == 1

    schedule_url = reverse("admin:workflows_workflow_schedule", args=[workflow.pk])
    assert client.get(schedule_url).status_code == 403
    assert (
        client.post(
            schedule_url,
            {
                "minute": "1",
                "hour": "1",
                "day_of_month": "*",
                "month_of_year": "*",
                "day_of_week": "*",
                "save": "1",
            },
        ).status_code
        == 403
    )
    page = client.get(reverse("admin:workflows_workflow_change", args=[workflow.pk])).content.decode()
    assert schedule_url not in page
    # Supervisors cannot view periodic tasks: no link to that admin page.
    assert "periodic-task-link" not in page


def test_a_viewer_without_operate_sees_no_buttons_and_gets_403(client, make_operator, workflow):
    from django.contrib.auth.models import Permission

    viewer = make_operator("vic")
    viewer.user_permissions.add(Permission.objects.get(codename="view_workflow"))
    client.force_login(viewer)
    response = client.get(reverse("admin:workflows_workflow_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-action=" not in html and "Run now</button>" not in html
    for url in action_urls(workflow):
        assert client.post(url).status_code == 403, url


def test_an_administrator_edits_the_schedule(client, administrator, workflow):
    client.force_login(administrator)
    url = reverse("admin:workflows_workflow_schedule", args=[workflow.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "minute": "10",
            "hour": "5",
            "day_of_month": "*",
            "month_of_year": "*",
            "day_of_week": "1",
            "enabled": "on",
            "save": "1",
        },
    )
    assert response.status_code == 302
    workflow.periodic_task.crontab.refresh_from_db()
    assert workflow.periodic_task.crontab.minute == "10"
