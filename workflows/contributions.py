"""What the engine brings to the platform: the purge of workflow history, the
supervisors' permissions and the Production folder of the explorer."""

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import home
from .models import ACTIVE_STATUSES, Workflow, WorkflowLog, WorkflowRun
from .plugins import (
    BatchOperation,
    Contributions,
    ExplorerEntry,
    ExplorerFolder,
    HomeBlock,
    PurgeContext,
    PurgeStep,
    Role,
    RolePermissions,
)


def workflow_history(context: PurgeContext) -> list[BatchOperation]:
    """Adobe §6 task 7: per workflow, journal lines and finished runs older than its
    history in days (0 keeps them forever). Queued and running runs are never deleted."""
    operations = []
    # One pass per workflow (a dozen rows), each with the cutoff of its own history.
    histories = Workflow.objects.filter(history_days__gt=0).values_list("pk", "history_days")
    for workflow_id, days in histories:
        limit = context.now - timedelta(days=days)
        runs = Q(workflow_id=workflow_id, created_at__lt=limit) & ~Q(status__in=ACTIVE_STATUSES)
        old_runs = WorkflowRun._base_manager.filter(runs).values("pk")
        lines = Q(workflow_id=workflow_id) & (Q(created_at__lt=limit) | Q(run__in=old_runs))
        operations.append(BatchOperation(WorkflowLog, lines, str(_("journal lines"))))
        operations.append(BatchOperation(WorkflowRun, runs, str(_("workflow runs"))))
    return operations


contributions = Contributions(
    purge_steps=[
        PurgeStep("workflow_history", 300, _("Workflow history"), operations=workflow_history),
    ],
    role_permissions=[
        RolePermissions(
            Role.WORKFLOW_SUPERVISORS,
            (
                "workflows.view_workflow",
                "workflows.operate_workflow",
                "workflows.view_workflowrun",
                "workflows.view_workflowlog",
            ),
        ),
    ],
    explorer_folders=[
        ExplorerFolder("administration", 900, _("Administration")),
        ExplorerFolder("administration.production", 200, _("Production"), parent="administration"),
    ],
    explorer_entries=[
        ExplorerEntry(
            "technical_workflows",
            "administration.production",
            100,
            _("Technical workflows"),
            "admin:workflows_workflow_changelist",
            "workflows.view_workflow",
        ),
        ExplorerEntry(
            "workflow_runs",
            "administration.production",
            200,
            _("Workflow runs"),
            "admin:workflows_workflowrun_changelist",
            "workflows.view_workflowrun",
        ),
        ExplorerEntry(
            "periodic_tasks",
            "administration.production",
            300,
            _("Schedules (periodic tasks)"),
            "admin:django_celery_beat_periodictask_changelist",
            "django_celery_beat.view_periodictask",
        ),
    ],
    home_blocks=[
        HomeBlock(
            "workflows",
            100,
            _("Technical workflows"),
            "workflows/home_glance.html",
            "workflows.view_workflow",
            home.at_a_glance,
        ),
        HomeBlock(
            "beat",
            110,
            _("Scheduler (beat)"),
            "workflows/home_beat.html",
            "workflows.view_workflow",
            home.beat,
        ),
        HomeBlock(
            "workflow_changes",
            900,
            _("Latest schedule and state changes"),
            "workflows/home_changes.html",
            "workflows.view_workflow",
            home.latest_changes,
        ),
    ],
)
