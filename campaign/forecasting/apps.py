from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ForecastingConfig(AppConfig):
    """The provisional calendar and the forecasting workflow (Adobe §9)."""

    name = "campaign.forecasting"
    label = "forecasting"
    verbose_name = _("Forecasting")
