"""The offer workflow, offerMgt (thin: the logic is in deployment.py), and the
follow-up that makes sure an approval never waits for the next hour (triggers.py)."""

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from workflows.api import Module, technical_workflow

from . import deployment, triggers

# Follow-up checks of the "deploy again" flag while a run holds the workflow: every
# FOLLOW_UP_SECONDS for up to this many times (5 minutes), then the hourly run.
FOLLOW_UP_ATTEMPTS = 60


@technical_workflow(
    name=triggers.WORKFLOW,
    label=_("Offer notification"),
    module=Module.DELIVERIES,
    crontab="0 * * * *",
    queue="default",
    time_limit=15 * 60,
    description=_(
        "Deploy the approved offers, with every category and offer space of the catalog, from "
        "each design environment to its live environment; also runs right after an approval."
    ),
    preview=deployment.preview_text,
)
def offer_notification(ctx):
    return deployment.run(ctx)


@shared_task(name=triggers.FOLLOW_UP_TASK, bind=True, ignore_result=True, max_retries=FOLLOW_UP_ATTEMPTS)
def deploy_when_idle(self):
    """A deployment request arrived while a run held offerMgt: queue a run once that
    one has finished, unless it served the request itself."""
    outcome = triggers.deploy_if_requested()
    if outcome == "busy":
        raise self.retry(countdown=triggers.FOLLOW_UP_SECONDS)
    return outcome
