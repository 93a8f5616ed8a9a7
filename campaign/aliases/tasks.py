"""The aliasCleansing workflow (thin: the logic is in cleansing.py)."""

from django.utils.translation import gettext_lazy as _

from campaign import run_options
from workflows.api import Module, technical_workflow

from . import cleansing

OPTIONS = {"full_hits": "recount the hits of every alias over the whole database"}


@technical_workflow(
    name="aliasCleansing",
    label=_("Alias cleansing"),
    module=Module.DELIVERIES,
    crontab="0 3 * * *",
    # One pass over every bound field: a long statement on a large profile table.
    queue="long",
    time_limit=2 * 3600,
    preview=cleansing.preview,
    description=_(
        "Collect the spellings of enumeration-bound fields that are neither a value nor an alias, "
        "rewrite aliased spellings to their value (audited, revertible) and update the alias hits."
    ),
)
def alias_cleansing(ctx):
    options = run_options.given(OPTIONS)
    return cleansing.run(ctx, full_hits=run_options.flag(options, "full_hits"))
