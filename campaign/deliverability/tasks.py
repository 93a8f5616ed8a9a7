"""The deliverability workflow (thin: the logic is in update.py)."""

from django.utils.translation import gettext_lazy as _

from workflows.api import Module, technical_workflow

from . import update
from .conf import DeliverabilitySettings


@technical_workflow(
    name="deliverabilityUpdate",
    label=_("Deliverability update"),
    module=Module.DELIVERABILITY,
    # 03:30: after the day's deliveries and aggregates, and before cleanup (04:00),
    # whose quarantine upkeep reads the last successes this run stamps.
    crontab="30 3 * * *",
    queue="default",
    time_limit=3600,
    description=_(
        "Stamp the quarantine records with their latest successful delivery, then download the "
        "bounce qualification, domain and MX rules over HTTPS and apply them."
    ),
)
def deliverability_update(ctx):
    return update.run(ctx, DeliverabilitySettings.load())
