"""The Technical workflows screen, a workflow's page, a run's page, the actions."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from tests.query_counts import assert_no_n_plus_one
from workflows.beat import write_heartbeat
from workflows.choices import RUN_STATUS_COLORS, RunStatus, Severity, Trigger, WorkflowState
from workflows.crontabs import Cron, describe
from workflows.engine import execute
from workflows.models import BeatHeartbeat, Workflow, WorkflowChange, WorkflowLog, WorkflowRun
from workflows.registry import all_specs, get_spec
from workflows.states import set_state

pytestmark = pytest.mark.django_db

LIST = "admin:workflows_workflow_changelist"


def cleanup_workflow():
    return Workflow.objects.select_related("periodic_task").get(name="cleanupPausedWorkflows")


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def supervisor_client(client, supervisor):
    client.force_login(supervisor)
    return client


def test_the_screen_lists_every_installed_workflow(admin_client):
    response = admin_client.get(reverse(LIST))
    assert response.status_code == 200
    html = response.content.decode()
    names = [spec.name for spec in all_specs()]
    assert names, "the registry holds at least cleanupPausedWorkflows"
    for name in names:
        assert f'id="workflow-{name}"' in html
    assert "Technical workflows" in html
    # The schedule in words and the next run, computed in the crontab's own time zone.
    row = response.context["rows"][names.index("cleanupPausedWorkflows")]
    assert row.cron == "0 5 * * 1"
    assert "05:00" in row.schedule_text and "Monday" in row.schedule_text
    local = timezone.localtime(row.next_fire)
    assert (local.weekday(), local.hour, local.minute) == (0, 5, 0)


def test_the_sidebar_shows_the_explorer_tree(admin_client):
    html = admin_client.get(reverse(LIST)).content.decode()
    assert 'class="explorer-tree"' in html
    for label in ("Administration", "Production", "Technical workflows"):
        assert f"<summary>{label}</summary>" in html or f">{label}</a>" in html
    # The current page is marked in the tree.
    assert f'<a href="{reverse(LIST)}" aria-current="page">Technical workflows</a>' in html


def test_the_last_run_shows_with_its_status_colour(admin_client):
    run = execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.MANUAL)
    response = admin_client.get(reverse(LIST))
    row = next(r for r in response.context["rows"] if r.workflow.name == "cleanupPausedWorkflows")
    assert row.last_run.pk == run.pk
    html = response.content.decode()
    assert f'data-status="succeeded" style="background:{RUN_STATUS_COLORS[RunStatus.SUCCEEDED]}"' in html
    assert reverse("admin:workflows_workflowrun_change", args=[run.pk]) in html


def test_beat_status_is_dead_without_heartbeat_and_alive_with_one(admin_client, settings):
    settings.BEAT_STALE_SECONDS = 120
    html = admin_client.get(reverse(LIST)).content.decode()
    assert '<div id="beat-status" class="wf-banner" data-state="dead"' in html
    assert "It has never been seen" in html
    BeatHeartbeat.objects.create(identity="beat pid 1", seen_at=timezone.now() - timedelta(seconds=30))
    html = admin_client.get(reverse(LIST)).content.decode()
    assert 'id="beat-status" class="wf-banner" data-state="alive"' in html
    BeatHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=300))
    html = admin_client.get(reverse(LIST)).content.decode()
    assert 'data-state="dead"' in html and "It was last seen 5" in html


def test_a_disabled_schedule_says_so(admin_client):
    set_state(cleanup_workflow(), WorkflowState.PAUSED)
    response = admin_client.get(reverse(LIST))
    row = next(r for r in response.context["rows"] if r.workflow.name == "cleanupPausedWorkflows")
    assert row.enabled is False and row.next_fire is None
    assert "schedule disabled" in response.content.decode()


def test_production_and_critical_workflows_are_bold(admin_client):
    Workflow.objects.filter(name="cleanupPausedWorkflows").update(severity=Severity.PRODUCTION)
    html = admin_client.get(reverse(LIST)).content.decode()
    assert 'class="wf-bold">Paused workflows cleanup</a>' in html


def test_reading_a_page_never_reaps_a_silent_run_it_shows_it_not_responding(admin_client, settings):
    settings.WORKFLOW_HEARTBEAT_TIMEOUT = 60
    old = timezone.now() - timedelta(minutes=10)
    workflow = cleanup_workflow()
    run = WorkflowRun.objects.create(
        workflow=workflow,
        trigger=Trigger.SCHEDULE,
        status=RunStatus.RUNNING,
        created_at=old,
        started_at=old,
        heartbeat_at=old,
    )
    for url in (reverse(LIST), reverse("admin:workflows_workflow_change", args=[workflow.pk])):
        html = admin_client.get(url).content.decode()
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING  # a GET writes nothing
        assert 'data-status="running"' in html
        assert 'data-warning="not_responding"' in html
    # Beat's tick reaps it; the page then shows it abandoned.
    write_heartbeat("beat-test", timezone.now())
    run.refresh_from_db()
    assert run.status == RunStatus.ABANDONED
    html = admin_client.get(reverse(LIST)).content.decode()
    assert 'data-status="abandoned"' in html and 'data-warning="not_responding"' not in html


def test_run_now_queues_a_run_and_says_its_number(admin_client):
    workflow = cleanup_workflow()
    response = admin_client.post(reverse("admin:workflows_workflow_run", args=[workflow.pk]), follow=True)
    run = WorkflowRun.objects.get(workflow=workflow)
    assert run.status == RunStatus.QUEUED and run.trigger == Trigger.MANUAL
    assert f"queued as run #{run.pk}" in response.content.decode()
    # A second click while the first is queued is recorded as skipped, and said so.
    response = admin_client.post(reverse("admin:workflows_workflow_run", args=[workflow.pk]), follow=True)
    assert f"Skipped: run #{run.pk} is already queued" in response.content.decode()
    assert WorkflowRun.objects.filter(workflow=workflow, status=RunStatus.SKIPPED).count() == 1


def test_pause_resume_stop_change_the_state_and_the_periodic_task(admin_client, administrator):
    workflow = cleanup_workflow()
    url = lambda action: reverse(f"admin:workflows_workflow_{action}", args=[workflow.pk])  # noqa: E731
    admin_client.post(url("pause"))
    workflow.refresh_from_db()
    workflow.periodic_task.refresh_from_db()
    assert workflow.state == WorkflowState.PAUSED and workflow.periodic_task.enabled is False
    admin_client.post(url("resume"))
    workflow.refresh_from_db()
    workflow.periodic_task.refresh_from_db()
    assert workflow.state == WorkflowState.STARTED and workflow.periodic_task.enabled is True
    admin_client.post(url("stop"))
    workflow.refresh_from_db()
    assert workflow.state == WorkflowState.STOPPED
    changes = list(WorkflowChange.objects.filter(workflow=workflow).order_by("changed_at", "id"))
    assert [(c.before, c.after, c.changed_by_id) for c in changes] == [
        ("started", "paused", administrator.pk),
        ("paused", "started", administrator.pk),
        ("started", "stopped", administrator.pk),
    ]


def test_an_impossible_transition_changes_nothing_and_says_why(admin_client):
    workflow = cleanup_workflow()
    response = admin_client.post(reverse("admin:workflows_workflow_resume", args=[workflow.pk]), follow=True)
    workflow.refresh_from_db()
    assert workflow.state == WorkflowState.STARTED
    assert "cannot be resumed" in response.content.decode()
    assert not WorkflowChange.objects.filter(workflow=workflow).exists()


def test_actions_refuse_get_and_a_foreign_next_url(admin_client):
    workflow = cleanup_workflow()
    assert admin_client.get(reverse("admin:workflows_workflow_pause", args=[workflow.pk])).status_code == 405
    response = admin_client.post(
        reverse("admin:workflows_workflow_pause", args=[workflow.pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response.url == reverse(LIST)


def test_the_workflow_page_shows_properties_chart_runs_and_changes(admin_client, administrator):
    spec = get_spec("cleanupPausedWorkflows")
    first = execute(spec, trigger=Trigger.MANUAL)
    second = execute(spec, trigger=Trigger.MANUAL)
    workflow = cleanup_workflow()
    set_state(workflow, WorkflowState.PAUSED, administrator)
    response = admin_client.get(reverse("admin:workflows_workflow_change", args=[workflow.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Severity",
        "Supervisors",
        "Workflow supervisors",
        "History in days",
        "Catch-up policy",
        "Queue",
        "Time limit",
        "10 min 00 s",
    ):
        assert text in html, text
    # Chart data (json_script) holds one point per finished run, oldest first.
    assert response.context["chart_data"][0]["id"] == first.pk
    assert [p["id"] for p in response.context["chart_data"]] == [first.pk, second.pk]
    assert 'id="run-chart-data"' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert f'data-run="{second.pk}"' in html
    assert "<code>started</code></td><td><code>paused</code>" in html
    # Administrators may view the PeriodicTask admin page: the link is there.
    assert reverse("admin:django_celery_beat_periodictask_change", args=[workflow.periodic_task_id]) in html


def test_the_run_page_shows_metrics_journal_and_traceback(admin_client):
    def broken(ctx):
        ctx.count("rows_read", 42)
        ctx.log("read the rows")
        raise RuntimeError("disk on fire")

    real = get_spec("cleanupPausedWorkflows")
    from workflows.registry import WorkflowSpec

    spec = WorkflowSpec(
        name=real.name, label=real.label, module=real.module, crontab=real.crontab, function=broken
    )
    run = execute(spec, trigger=Trigger.MANUAL)
    response = admin_client.get(reverse("admin:workflows_workflowrun_change", args=[run.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<code>rows_read</code></th><td>42</td>" in html
    assert "read the rows" in html and "Failed: RuntimeError: disk on fire" in html
    assert 'id="traceback"' in html and "raise RuntimeError" in html
    assert WorkflowLog.objects.filter(run=run).count() >= 3


def test_the_legend_covers_every_status_and_state(admin_client):
    html = admin_client.get(reverse(LIST)).content.decode()
    legend = html[html.index('id="wf-legend"') :]
    legend = legend[: legend.index("</div>")]
    for status in RunStatus:
        assert (
            f'data-status="{status.value}" style="background:{RUN_STATUS_COLORS[status]}">{status.label}'
            in legend
        )
    for state in WorkflowState:
        assert f'data-state="{state.value}"' in legend and str(state.label) in legend


def test_the_screen_is_in_french_when_the_browser_asks_for_it(admin_client):
    response = admin_client.get(reverse(LIST), HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert "<h1>Workflows techniques</h1>" in html
    assert "Nettoyage des workflows en pause" in html
    assert "Lancer maintenant" in html
    assert "Dernière exécution" in html
    # The schedule in words is French too ("À 05:00, uniquement le lundi").
    row = next(r for r in response.context["rows"] if r.workflow.name == "cleanupPausedWorkflows")
    assert "lundi" in row.schedule_text and "Monday" not in row.schedule_text


def test_the_schedule_in_words_names_days_and_months_in_french():
    cron = Cron.parse("0 5 * 3 1")
    assert describe(cron, "fr") == "À 05:00, uniquement le lundi, uniquement en mars"
    assert describe(cron, "en") == "At 05:00, only on Monday, only in March"


@pytest.mark.parametrize("when", [datetime(2026, 11, 23, 4, 0, 20, tzinfo=UTC)])
def test_a_run_of_the_slot_is_in_the_history(admin_client, when):
    with time_machine.travel(when, tick=False):
        run = execute(get_spec("cleanupPausedWorkflows"), trigger=Trigger.SCHEDULE)
    html = admin_client.get(
        reverse("admin:workflows_workflow_change", args=[run.workflow_id])
    ).content.decode()
    assert "2026-11-23 05:00" in html  # the slot, in local time, in the screens' one format


def _rgb(color):
    return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))


def _distance(a, b):
    return sum((x - y) ** 2 for x, y in zip(_rgb(a), _rgb(b), strict=True)) ** 0.5


def test_every_status_and_state_has_its_own_colour():
    from workflows.choices import STATE_COLORS
    from workflows.supervision import WARNING_COLORS

    assert set(RUN_STATUS_COLORS) == set(RunStatus)
    assert set(STATE_COLORS) == set(WorkflowState)
    assert len(set(RUN_STATUS_COLORS.values())) == len(RunStatus)
    assert len(set(STATE_COLORS.values())) == len(WorkflowState)
    # Not merely different hex codes: far enough apart to tell at a glance.
    for palette in (RUN_STATUS_COLORS, STATE_COLORS):
        colours = list(palette.values())
        for i, a in enumerate(colours):
            for b in colours[i + 1 :]:
                assert _distance(a, b) > 60, (a, b)
    # Warnings (late, paused too long) never borrow a status colour.
    warnings = set(WARNING_COLORS.values())
    assert len(warnings) == len(WARNING_COLORS)
    assert not warnings & set(RUN_STATUS_COLORS.values())
    assert not warnings & set(STATE_COLORS.values())


def _runs(workflow, count, start=None):
    start = start or timezone.now() - timedelta(days=30)
    first = WorkflowRun.objects.filter(workflow=workflow).count()
    WorkflowRun.objects.bulk_create(
        WorkflowRun(
            workflow=workflow,
            trigger=Trigger.MANUAL,
            status=RunStatus.SUCCEEDED,
            triggered_by=get_user_model().objects.first(),
            created_at=start + timedelta(minutes=first + i),
            started_at=start + timedelta(minutes=first + i),
            finished_at=start + timedelta(minutes=first + i, seconds=3),
            metrics={"rows": i},
        )
        for i in range(count)
    )


@pytest.mark.parametrize(
    "page",
    [
        lambda workflow: reverse(LIST),
        lambda workflow: reverse("admin:workflows_workflow_change", args=[workflow.pk]),
        lambda workflow: reverse("admin:workflows_workflowrun_changelist"),
    ],
    ids=["technical workflows", "a workflow's page", "workflow runs"],
)
def test_the_pages_run_as_many_queries_with_1_run_as_with_300(admin_client, page):
    workflow = cleanup_workflow()
    assert_no_n_plus_one(admin_client, page(workflow), lambda count: _runs(workflow, count))


def test_the_list_shows_the_latest_run_of_each_workflow(admin_client):
    workflow = cleanup_workflow()
    start = timezone.now() - timedelta(days=30)
    _runs(workflow, 300, start)
    response = admin_client.get(reverse(LIST))
    row = next(r for r in response.context["rows"] if r.workflow.name == "cleanupPausedWorkflows")
    assert row.last_run.created_at == start + timedelta(minutes=299)


def test_the_language_switch_in_the_header_turns_the_screens_french(admin_client):
    page = admin_client.get(reverse(LIST)).content.decode()
    assert 'name="language"' in page and '<option value="fr">FR</option>' in page
    response = admin_client.post(reverse("set_language"), {"language": "fr", "next": reverse(LIST)})
    assert response.status_code == 302 and response["Location"] == reverse(LIST)
    html = admin_client.get(reverse(LIST)).content.decode()
    assert "<h1>Workflows techniques</h1>" in html
    assert '<option value="fr" selected>FR</option>' in html
