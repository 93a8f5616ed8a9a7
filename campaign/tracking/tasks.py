"""The tracking workflow (thin: the logic is in consolidation.py)."""

from django.utils.translation import gettext_lazy as _

from campaign.configuration import value
from workflows.api import Module, technical_workflow

from . import consolidation


@technical_workflow(
    name="tracking",
    label=_("Tracking"),
    module=Module.DELIVERIES,
    crontab="0 * * * *",
    queue="default",
    time_limit=3000,
    description=_(
        "Consolidate the raw tracking hits into tracking logs and 5-minute statistics, recompute "
        "the indicators of the deliveries they touch, mark the propositions of sent deliveries "
        "presented and recompute the Message Center statistics per event type and day."
    ),
)
def tracking(ctx):
    return consolidation.run(ctx, value("tracking.batch_size"))
