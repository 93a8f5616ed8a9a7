"""What forecasting brings to the platform through the plug-in points: the purge of
forecast logs of past deliveries (and their exclusions), its tables as children of a
delivery, the forecast horizon setting, the permissions of delivery operators and
report readers, the provisional calendar and typology rules in the explorer, a
home-page block of the week ahead, and its tables for `generate_data` and the demo."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    BatchOperation,
    Contributions,
    DataClass,
    DeliveryChild,
    ExplorerEntry,
    ExplorerFolder,
    HomeBlock,
    PurgeContext,
    PurgeStep,
    Role,
    RolePermissions,
    Setting,
    Urls,
)

from . import home
from .datagen import GENERATED_TABLES
from .models import ForecastExclusion, ForecastLog

CALENDAR_PERMISSION = "forecasting.view_deliveryforecast"


def past_forecast_logs(context: PurgeContext):
    """Forecast logs (and the exclusions beside them) whose planned date is older than
    the retention: left behind when the forecasting workflow did not run."""
    cutoff = context.cutoff("forecast_logs")
    if cutoff is None:
        return None
    older = Q(planned_at__lt=cutoff)
    return [
        BatchOperation(ForecastExclusion, older, str(_("pressure exclusions")), keyset="planned_at"),
        BatchOperation(ForecastLog, older, str(_("forecast logs")), keyset="planned_at"),
    ]


contributions = Contributions(
    purge_steps=[
        PurgeStep(
            "forecast_logs",
            550,
            _("Forecast logs of past deliveries"),
            operations=past_forecast_logs,
            retention="forecast_logs",
            idle_reason=_("kept forever (no retention set)"),
        ),
    ],
    delivery_children=[
        DeliveryChild("forecast_exclusions", 410, "forecasting.ForecastExclusion", "delivery"),
        DeliveryChild("forecast_logs", 420, "forecasting.ForecastLog", "delivery"),
        DeliveryChild("delivery_forecasts", 430, "forecasting.DeliveryForecast", "delivery"),
    ],
    data_classes=[
        DataClass(
            "forecast_logs",
            600,
            _("Forecast logs"),
            30,
            _(
                "Forecast logs are deleted %(days)s after the planned date of their delivery (the "
                "forecasting workflow drops those of deliveries that left the provisional calendar)."
            ),
        ),
    ],
    settings=[
        Setting(
            "horizon_days",
            100,
            _("Forecast horizon (days)"),
            60,
            help_text=_("Forecasting analyses the provisional deliveries planned within this many days."),
            minimum=1,
            maximum=366,
        ),
    ],
    role_permissions=[
        RolePermissions(
            Role.DELIVERY_OPERATORS,
            (
                "forecasting.view_deliveryforecast",
                "forecasting.view_forecast",
                "forecasting.view_forecastlog",
                "forecasting.view_forecastexclusion",
                "forecasting.view_pressurerule",
                "forecasting.view_capacityrule",
            ),
        ),
        RolePermissions(Role.REPORT_READERS, ("forecasting.view_deliveryforecast",)),
    ],
    explorer_folders=[
        ExplorerFolder(
            "administration.campaign_management.typologies",
            400,
            _("Typology management"),
            parent="administration.campaign_management",
        ),
    ],
    explorer_entries=[
        ExplorerEntry(
            "provisional_calendar",
            "campaigns",
            150,
            _("Provisional calendar"),
            "forecasting:calendar",
            CALENDAR_PERMISSION,
        ),
        ExplorerEntry(
            "forecast_logs",
            "campaigns",
            250,
            _("Forecast logs"),
            "admin:forecasting_forecastlog_changelist",
            "forecasting.view_forecastlog",
        ),
        ExplorerEntry(
            "pressure_rules",
            "administration.campaign_management.typologies",
            100,
            _("Pressure rules"),
            "admin:forecasting_pressurerule_changelist",
            "forecasting.view_pressurerule",
        ),
        ExplorerEntry(
            "capacity_rules",
            "administration.campaign_management.typologies",
            200,
            _("Capacity rules"),
            "admin:forecasting_capacityrule_changelist",
            "forecasting.view_capacityrule",
        ),
        ExplorerEntry(
            "forecasts",
            "administration.campaign_management.typologies",
            300,
            _("Forecasts"),
            "admin:forecasting_forecast_changelist",
            "forecasting.view_forecast",
        ),
    ],
    generated_tables=GENERATED_TABLES,
    urls=Urls(prefix="forecasting", module="campaign.forecasting.urls"),
    home_blocks=[
        HomeBlock(
            "provisional_week",
            300,
            _("Provisional calendar: the week ahead"),
            "forecasting/home_block.html",
            CALENDAR_PERMISSION,
            home.week_ahead,
        ),
    ],
)
