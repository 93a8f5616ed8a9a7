"""The Technical workflows screen in Chromium: pause, resume, run now."""

import re

import pytest
from playwright.sync_api import expect

from workflows.choices import RunStatus, Trigger, WorkflowState
from workflows.models import Workflow, WorkflowRun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "cleanupPausedWorkflows"


def test_an_administrator_pauses_resumes_and_runs_a_workflow(page, log_in, make_operator):
    make_operator("alice", groups=["Administrators"], password="secret-pw-1")
    page.set_viewport_size({"width": 1500, "height": 900})
    log_in(page, "alice", "secret-pw-1")

    # Through the explorer tree: Administration › Production › Technical workflows.
    page.locator("#nav-sidebar summary", has_text="Production").click()
    page.locator("#nav-sidebar a", has_text="Technical workflows").click()
    page.wait_for_url(re.compile(r"/admin/workflows/workflow/$"))
    expect(page.locator("h1")).to_have_text("Technical workflows")
    expect(page.locator("#beat-status")).to_have_attribute("data-state", "dead")
    row = page.locator(f"tr#workflow-{NAME}")
    expect(row.locator(".wf-state")).to_have_text("Started")

    row.locator("button[data-action=pause]").click()
    expect(page.locator(".messagelist")).to_contain_text(f"{NAME} is now paused")
    expect(row.locator(".wf-state")).to_have_text("Paused")
    expect(row.locator(".wf-next")).to_contain_text("schedule disabled")
    workflow = Workflow.objects.select_related("periodic_task").get(name=NAME)
    assert workflow.state == WorkflowState.PAUSED
    assert workflow.periodic_task.enabled is False

    row.locator("button[data-action=resume]").click()
    expect(row.locator(".wf-state")).to_have_text("Started")
    workflow.refresh_from_db()
    workflow.periodic_task.refresh_from_db()
    assert workflow.state == WorkflowState.STARTED
    assert workflow.periodic_task.enabled is True

    row.locator("button[data-action=run]").click()
    expect(page.locator(".messagelist")).to_contain_text("queued as run #")
    run = WorkflowRun.objects.get(workflow=workflow)
    assert (run.status, run.trigger, run.triggered_by.username) == (RunStatus.QUEUED, Trigger.MANUAL, "alice")
    expect(row.locator(".wf-last-run .wf-badge")).to_have_text("Queued")

    # The workflow's page: properties, runs and the change history of the two clicks.
    row.locator("td a").first.click()
    expect(page.locator("#properties")).to_contain_text("Workflow supervisors")
    expect(page.locator(f'#runs tr[data-run="{run.pk}"]')).to_contain_text("Queued")
    expect(page.locator("#changes tbody tr")).to_have_count(2)


def test_queued_and_running_runs_update_without_a_reload(page, log_in, make_operator):
    from django.utils import timezone

    make_operator("sam", groups=["Workflow supervisors"], password="secret-pw-1")
    log_in(page, "sam", "secret-pw-1")
    workflow = Workflow.objects.get(name=NAME)
    now = timezone.now()
    run = WorkflowRun.objects.create(
        workflow=workflow, trigger=Trigger.MANUAL, status=RunStatus.QUEUED, created_at=now
    )
    for path, badge in (
        ("/admin/workflows/workflow/", f"tr#workflow-{NAME} .wf-last-run .wf-badge"),
        (f"/admin/workflows/workflow/{workflow.pk}/change/", f'#runs tr[data-run="{run.pk}"] .wf-badge'),
    ):
        WorkflowRun.objects.filter(pk=run.pk).update(
            status=RunStatus.QUEUED, started_at=None, finished_at=None
        )
        page.goto(page.url.split("/admin/")[0] + path)
        expect(page.locator(badge)).to_have_text("Queued")
        marker = page.evaluate("() => (window.__noReload = 1)")  # gone if the page reloads
        WorkflowRun.objects.filter(pk=run.pk).update(
            status=RunStatus.RUNNING, started_at=now, heartbeat_at=timezone.now()
        )
        expect(page.locator(badge)).to_have_text("Running", timeout=15000)
        WorkflowRun.objects.filter(pk=run.pk).update(status=RunStatus.SUCCEEDED, finished_at=timezone.now())
        expect(page.locator(badge)).to_have_text("Succeeded", timeout=15000)
        assert page.evaluate("() => window.__noReload") == marker
