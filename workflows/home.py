"""The engine's blocks of the operations home page (declared in contributions.py):
workflows at a glance, beat's liveness, the latest schedule and state changes. Each
reads a handful of rows whatever the history (one query per kind of row)."""

from datetime import timedelta

from django.db.models import Count
from django.urls import reverse

from .choices import RunStatus, WorkflowState
from .models import WorkflowChange, WorkflowRun
from .supervision import beat_status, installed_workflows, workflow_rows

RECENT = timedelta(hours=24)
PROBLEMS = (RunStatus.FAILED, RunStatus.ABANDONED)
SHOWN = 10


def at_a_glance(request, now):
    """Counts by state; failed and abandoned runs of the last 24 hours and late
    workflows, each a link."""
    counted = installed_workflows().order_by().values("state").annotate(count=Count("pk"))
    by_state = {row["state"]: row["count"] for row in counted}
    states = [(state, state.label, by_state.get(state, 0)) for state in WorkflowState]
    problems = list(
        WorkflowRun.objects.filter(status__in=PROBLEMS, created_at__gte=now - RECENT)
        .select_related("workflow")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    late = [row for row in workflow_rows(now) if row.late_slot is not None]
    return {
        "states": states,
        "problems": problems,
        "late": late,
        "list_url": reverse("admin:workflows_workflow_changelist"),
    }


def beat(request, now):
    return {"beat": beat_status(now)}


def latest_changes(request, now):
    """The latest schedule and state changes (who, when, from what to what)."""
    changes = WorkflowChange.objects.select_related("workflow", "changed_by").order_by("-changed_at", "-id")
    return {"changes": list(changes[:SHOWN])}
