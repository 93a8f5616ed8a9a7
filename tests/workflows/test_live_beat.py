"""Beat as a real process (workflows.beat.WorkflowScheduler, django-celery-beat's
DatabaseScheduler) with a real worker: an edited schedule fires, two beats on one
database give one run per slot, and a stopped beat shows dead on the screens."""

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import live
from workflows.choices import RunStatus
from workflows.crontabs import Cron
from workflows.models import Workflow, WorkflowRun
from workflows.states import change_schedule

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

SENT = "Sending due task workflow: testSleep"


@pytest.fixture(scope="module")
def every_minute(live_worker, django_db_blocker, live_dir):
    """Two beats on one database; testSleep's crontab edited to every minute. Waits for
    the first slot after the edit and returns what happened, as plain values (the
    transactional tests flush the rows)."""
    with django_db_blocker.unblock():
        beats = []
        try:
            beats.append(live.beat("beat-a", live_dir))
            beats.append(live.beat("beat-b", live_dir))
            children = [live_worker, *beats]
            edited_at = timezone.now()
            change_schedule(Workflow.objects.get(name="testSleep"), Cron.parse("* * * * *"), True, None)
            first = live.wait_until(
                lambda: (
                    WorkflowRun.objects.filter(workflow__name="testSleep", slot__isnull=False)
                    .order_by("slot")
                    .first()
                ),
                80,
                "no scheduled run of testSleep after its crontab was set to every minute",
                interval=0.5,
                children=children,
            )
            # Every task the beats sent becomes a run row (run or skipped): wait for all
            # of them, after a moment for a late duplicate send.
            time.sleep(2)

            def all_sends_recorded():
                sends = sum(beat.log().count(SENT) for beat in beats)
                rows = WorkflowRun.objects.filter(workflow__name="testSleep", slot__isnull=False)
                return sends if rows.count() >= sends else 0

            sends = live.wait_until(all_sends_recorded, 30, "a sent task left no run", children=children)
            runs = list(
                WorkflowRun.objects.filter(workflow__name="testSleep")
                .order_by("id")
                .values("slot", "status", "error", "created_at")
            )
        finally:
            # Stopped before the tests, so that the health test sees only its own beat.
            for beat in beats:
                beat.stop()
    return {"edited_at": edited_at, "slot": first.slot, "sends": sends, "runs": runs}


def test_an_edited_crontab_fires_within_75_seconds(every_minute):
    slot, edited_at = every_minute["slot"], every_minute["edited_at"]
    succeeded = [
        run for run in every_minute["runs"] if run["status"] == RunStatus.SUCCEEDED and run["slot"] == slot
    ]
    assert len(succeeded) == 1
    assert (slot.second, slot.microsecond) == (0, 0)  # a minute boundary
    assert timedelta(0) < succeeded[0]["created_at"] - edited_at <= timedelta(seconds=75)
    # The slot is the fire time the run answers: the next boundary after the edit, or
    # the boundary just passed when beat's previous check predates it (run once, caught up).
    assert timedelta(0) <= succeeded[0]["created_at"] - slot < timedelta(seconds=15)
    assert slot > edited_at - timedelta(minutes=1)


def test_two_beats_give_one_run_per_slot(every_minute):
    runs = every_minute["runs"]
    assert len(runs) == every_minute["sends"] >= 1  # every task sent was recorded
    for slot in {run["slot"] for run in runs}:
        in_slot = [run for run in runs if run["slot"] == slot]
        assert len([run for run in in_slot if run["status"] != RunStatus.SKIPPED]) == 1, in_slot
    for run in runs:
        if run["status"] == RunStatus.SKIPPED:
            assert re.fullmatch(
                r"Skipped: (slot .* has already run|run #\d+ is already running)", run["error"]
            )
    assert any(run["slot"] == every_minute["slot"] for run in runs)


def beat_state(client):
    page = client.get(reverse("admin:workflows_workflow_changelist"))
    assert page.status_code == 200
    tag = re.search(r'<div[^>]*\bid="beat-status"[^>]*>', page.content.decode())
    assert tag, "the Technical workflows screen has no beat status"
    return re.search(r'data-state="(\w+)"', tag.group(0)).group(1)


def test_a_stopped_beat_shows_dead_on_healthz_and_the_workflows_screen(
    client, administrator, settings, live_worker, live_dir
):
    settings.BEAT_STALE_SECONDS = 3
    client.force_login(administrator)
    beat = live.beat("beat-health", live_dir)
    try:
        health = client.get("/healthz")
        assert health.status_code == 200, health.json()
        assert health.json()["beat"]["ok"] is True
        assert beat_state(client) == "alive"
    finally:
        beat.stop()

    live.wait_until(
        lambda: client.get("/healthz").status_code == 503,
        settings.BEAT_STALE_SECONDS + 10,
        "/healthz still says beat is alive",
    )
    health = client.get("/healthz").json()
    assert health["beat"]["ok"] is False
    assert health["beat"]["age_seconds"] >= settings.BEAT_STALE_SECONDS
    assert health["database"]["ok"] is True and health["broker"]["ok"] is True
    assert beat_state(client) == "dead"
