"""The platform's one email renderer (`build`: templates/emails/<name>-subject.txt,
-body.txt and -body.html), and the engine's own emails: failures to supervisors."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .choices import LogLevel
from .models import Workflow, WorkflowLog, WorkflowRun

logger = logging.getLogger(__name__)


def supervisor_addresses(workflow: Workflow) -> list[str]:
    """Active members of the workflow's supervisor group who have an email address."""
    if workflow.supervisors_id is None:
        return []
    users = get_user_model().objects.filter(groups=workflow.supervisors_id, is_active=True)
    return sorted(set(users.exclude(email="").values_list("email", flat=True)))


def workflow_url(workflow: Workflow) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("admin:workflows_workflow_change", args=[workflow.pk])


def build(template: str, context: dict[str, Any], recipients: list[str]) -> EmailMultiAlternatives:
    """Render templates/emails/<template>-subject.txt, -body.txt and -body.html into one
    message with a text and an HTML part."""
    subject = render_to_string(f"emails/{template}-subject.txt", context).strip()
    text = render_to_string(f"emails/{template}-body.txt", context)
    html = render_to_string(f"emails/{template}-body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, recipients)
    message.attach_alternative(html, "text/html")
    return message


def send(template: str, context: dict[str, Any], recipients: list[str]) -> int:
    return build(template, context, recipients).send()


def notify_failure(workflow: Workflow, run: WorkflowRun) -> int:
    """Tell the supervisors that a run failed; a mail error is journaled, not raised."""
    recipients = supervisor_addresses(workflow)
    if not recipients:
        return 0
    context = {"workflow": workflow, "run": run, "url": workflow_url(workflow)}
    try:
        return send("workflows-failed", context, recipients)
    except Exception as exc:
        logger.exception("failure notification for %s not sent", workflow.name)
        WorkflowLog.objects.write(
            workflow,
            f"Supervisors could not be notified: {exc}".splitlines()[0][:480],
            run=run,
            level=LogLevel.WARNING,
            at=run.finished_at or run.created_at,
        )
        return 0
