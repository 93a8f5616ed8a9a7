"""The forecasting workflow (thin: the logic is in forecasting.py)."""

from django.utils.translation import gettext_lazy as _

from workflows.api import Module, technical_workflow

from . import forecasting


@technical_workflow(
    name="forecasting",
    label=_("Forecasting"),
    module=Module.DELIVERIES,
    crontab="0 1 * * *",
    # Writes and replaces millions of forecast logs: kept off the default queue.
    queue="long",
    time_limit=3 * 3600,
    preview=forecasting.preview_text,
    description=_(
        "Forecast logs for the deliveries of the provisional calendar, with the profiles "
        "pressure rules exclude and the capacity overruns per channel and day."
    ),
)
def forecasting_workflow(ctx):
    return forecasting.run(ctx)
