"""Technical workflows of the core app (thin: the logic is in plain modules)."""

from django.utils.translation import gettext_lazy as _

from workflows.api import Module, technical_workflow

from . import cleanup as cleanup_module


@technical_workflow(
    name="cleanup",
    label=_("Database cleanup"),
    module=Module.DELIVERIES,
    crontab="0 4 * * *",
    queue="long",
    time_limit=4 * 3600,
    description=_("Purge obsolete data per the retention settings, release addresses, refresh statistics."),
    preview=cleanup_module.preview_text,
)
def cleanup(ctx):
    return cleanup_module.run(ctx)
