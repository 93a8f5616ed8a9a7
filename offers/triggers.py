"""What asks offerMgt for a deployment besides its hourly schedule: an offer whose two
approvals are granted (or that is disabled, enabled or deleted) goes live within a
minute, through the engine, so the one-run-at-a-time rule holds with the hourly run.

1. `request_deployment` raises the "deploy again" flag (DeploymentRequest.requested + 1)
   in the caller's transaction, and once that commits asks the engine for a run
   (`workflows.api.enqueue`, trigger "event").
2. If a run already holds the workflow the engine records the request as skipped: the
   running deployment sees the flag when it finishes its pass and goes round again
   (offers.deployment.run). For the last instant of a run (after its final look at the
   flag, before the engine marks it finished) a follow-up task checks the flag a few
   seconds later and asks again (tasks.deploy_when_idle), until a run takes it.
"""

import logging

from celery import current_app
from django.db import IntegrityError, transaction
from django.db.models import F

from workflows.api import RunStatus, Trigger, Workflow, WorkflowError, WorkflowState, enqueue

from .models import DeploymentRequest

logger = logging.getLogger(__name__)

WORKFLOW = "offerMgt"
FOLLOW_UP_TASK = "offers.deploy_when_idle"
FOLLOW_UP_SECONDS = 5
FLAG_ID = 1


def flag():
    """The flag row (created on first use: the data migration makes it, a flushed test
    database may not have it)."""
    found = DeploymentRequest.objects.filter(pk=FLAG_ID).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return DeploymentRequest.objects.create(pk=FLAG_ID)
    except IntegrityError:  # created meanwhile by another request
        return DeploymentRequest.objects.get(pk=FLAG_ID)


def raise_flag(user, now, reason):
    """requested + 1 (one UPDATE: concurrent requests all count)."""
    flag()
    DeploymentRequest.objects.filter(pk=FLAG_ID).update(
        requested=F("requested") + 1,
        requested_at=now,
        requested_by=user if user is not None and user.pk else None,
        reason=str(reason)[:300],
    )


def pending_requests():
    """How many requests no deployment has taken yet (0: nothing waits)."""
    found = flag()
    return max(found.requested - found.deployed, 0)


def mark_deployed(seen):
    """A deployment that started after request number `seen` is done: those requests
    are served (never moves the mark back)."""
    DeploymentRequest.objects.filter(pk=FLAG_ID, deployed__lt=seen).update(deployed=seen)


def request_deployment(user, now, reason):
    """Raise the flag now and ask the engine for a run once the caller's transaction
    commits (an approval rolled back asks for nothing)."""
    raise_flag(user, now, reason)
    transaction.on_commit(lambda: deploy_soon(user))


def enqueue_deployment(user=None):
    """Ask the engine for a run of offerMgt. Returns the run, or None when offerMgt is
    not installed or not started (the flag waits for its next run)."""
    workflow = Workflow.objects.filter(name=WORKFLOW).first()
    if workflow is None or workflow.state != WorkflowState.STARTED:
        return None
    try:
        return enqueue(workflow, user=user, trigger=Trigger.EVENT)
    except WorkflowError:
        logger.warning("offerMgt is not installed: the deployment waits", exc_info=True)
        return None


def deploy_soon(user=None):
    """Queue a run; when another run holds the workflow, check again a little later."""
    run = enqueue_deployment(user)
    if run is not None and run.status == RunStatus.SKIPPED:
        follow_up()
    return run


def follow_up():
    try:
        current_app.send_task(FOLLOW_UP_TASK, countdown=FOLLOW_UP_SECONDS)
    except Exception:  # broker down: the hourly run deploys it
        logger.warning("could not schedule the deployment follow-up", exc_info=True)


def deploy_if_requested():
    """The follow-up: "nothing" when no request waits, "busy" when a run still holds the
    workflow (check again later), else the status of the run it queued."""
    if not pending_requests():
        return "nothing"
    run = enqueue_deployment()
    if run is None:
        return "waiting"
    return "busy" if run.status == RunStatus.SKIPPED else run.status
