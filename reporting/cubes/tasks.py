"""The two cube workflows (thin: the logic is in aggregates.py and archive.py)."""

from django.utils.translation import gettext_lazy as _

from workflows.api import Module, technical_workflow

from . import aggregates, archive


@technical_workflow(
    name="agg_nmspropositionrcp_full",
    label=_("Full aggregate (propositionrcp cube)"),
    module=Module.INTERACTION,
    crontab="0 6 * * *",
    # Reads every proposition (millions): the long queue, like cleanup.
    queue="long",
    time_limit=2 * 3600,
    description=_(
        "Rebuild the Full aggregate of the Offer proposition cube (by day, channel, delivery, offer "
        "and offer space) that the offer reports read."
    ),
)
def proposition_cube_full(ctx):
    return aggregates.run(ctx, "propositions")


@technical_workflow(
    name="agg_messageCenter_full",
    label=_("Full aggregate (Message Center cube)"),
    module=Module.MESSAGE_CENTER,
    crontab="0 3 * * *",
    queue="long",
    time_limit=2 * 3600,
    description=_(
        "Bring the archive of Message Center events up to date with the queue, then rebuild the Full "
        "aggregate of the Message Center cube (by day, channel, status and event type)."
    ),
)
def message_center_cube_full(ctx):
    synced = archive.sync()
    ctx.log(f"Archive of Message Center events: {synced:,} events added or brought up to date")
    ctx.metrics["events_archived"] = synced
    return aggregates.run(ctx, "message_center")
