"""Technical workflows of the engine itself (thin: the logic is in paused.py)."""

from django.utils.translation import gettext_lazy as _

from . import paused
from .choices import Module
from .declare import technical_workflow


@technical_workflow(
    name="cleanupPausedWorkflows",
    label=_("Paused workflows cleanup"),
    module=Module.DELIVERIES,
    crontab="0 5 * * 1",
    description=_("Warn about long-paused workflows, stop them after a month."),
    time_limit=600,
)
def cleanup_paused_workflows(ctx):
    return paused.cleanup_paused_workflows(ctx)
