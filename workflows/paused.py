"""cleanupPausedWorkflows: warn about long-paused workflows, stop them after a month.

Workflows of normal severity paused for longer than the period get a notification to
their supervisors, creator and last modifier at most once per period (so a "Run now"
right after the Monday run sends nothing twice); once `max_notifications` were sent,
the first run at least one period after the last one stops the workflow
unconditionally and says so in its journal (as the last notification promised).
Production and critical workflows are left alone.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model

from .choices import ChangeKind, LogLevel, Severity, WorkflowState
from .models import Workflow
from .notifications import send, supervisor_addresses, workflow_url
from .states import record_change, set_state

# Weekly runs drift by a few minutes; a notification this close to a full period counts.
PERIOD_TOLERANCE = timedelta(hours=1)


def paused_too_long(now, period_days=None):
    period = timedelta(days=period_days or settings.PAUSED_WORKFLOW_PERIOD_DAYS)
    return Workflow.objects.paused_since_before(now - period).filter(severity=Severity.NORMAL)


def recipients(workflow):
    """Supervisors, the creator and the last modifier, when they have an address."""
    addresses = set(supervisor_addresses(workflow))
    user_ids = [pk for pk in (workflow.created_by_id, workflow.modified_by_id) if pk]
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    addresses.update(users.values_list("email", flat=True))
    return sorted(addresses)


def cleanup_paused_workflows(ctx, period_days=None, max_notifications=None):
    now = ctx.now
    period_days = period_days or settings.PAUSED_WORKFLOW_PERIOD_DAYS
    max_notifications = max_notifications or settings.PAUSED_WORKFLOW_MAX_NOTIFICATIONS
    period = timedelta(days=period_days)
    candidates = paused_too_long(now, period_days).exclude(pk=ctx.workflow.pk)
    ctx.metrics.update({"paused_too_long": 0, "notified": 0, "stopped": 0, "emails_sent": 0})
    for workflow in candidates.order_by("name"):
        ctx.count("paused_too_long")
        days = (now - workflow.paused_at).days
        last = workflow.last_pause_notification_at
        # The notifications promise a period between each of them and the stop: a Run
        # now or a more frequent schedule must not bring either forward.
        if last is not None and now - last < period - PERIOD_TOLERANCE:
            continue
        if workflow.pause_notifications >= max_notifications:
            reason = (
                f"stopped unconditionally by cleanupPausedWorkflows: paused for {days} days, "
                f"{workflow.pause_notifications} notifications sent"
            )
            set_state(workflow, WorkflowState.STOPPED, user=None, now=now, reason=reason)
            ctx.warning(f"{workflow.name}: {reason}")
            ctx.count("stopped")
            continue
        to = recipients(workflow)
        number = workflow.pause_notifications + 1
        if to:
            context = {
                "workflow": workflow,
                "days": days,
                "number": number,
                "max_notifications": max_notifications,
                "url": workflow_url(workflow),
            }
            ctx.count("emails_sent", send("workflows-paused", context, to))
        Workflow.objects.filter(pk=workflow.pk).update(
            pause_notifications=number, last_pause_notification_at=now
        )
        message = (
            f"Paused for {days} days: notification {number} of {max_notifications} "
            f"sent to {', '.join(to) or 'nobody (no address)'}"
        )
        record_change(
            workflow,
            ChangeKind.NOTIFICATION,
            str(number - 1),
            str(number),
            None,
            now,
            message,
            level=LogLevel.WARNING,
        )
        ctx.log(f"{workflow.name}: {message}")
        ctx.count("notified")
    return ctx.metrics
