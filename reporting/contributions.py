"""What reporting brings to the platform through the plug-in points: the purge of
active contacts outside the active-profile window, the permissions of report readers
and of the `billing` operator, its pages and their explorer entries."""

from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    Contributions,
    ExplorerEntry,
    HomeBlock,
    PurgeContext,
    PurgeStep,
    Role,
    RolePermissions,
    Setting,
    Urls,
)

from . import home
from .activity import window_start
from .conf import reporting_settings


def active_window_start(context: PurgeContext):
    """Contacts last active before the active-profile window no longer count."""
    return window_start(context.now, reporting_settings().window_months)


contributions = Contributions(
    purge_steps=[
        PurgeStep.by_age(
            "active_contacts",
            900,
            _("Active contacts outside the active-profile window"),
            model="reporting.ActiveContact",
            time_field="last_activity_at",
            cutoff=active_window_start,
        ),
    ],
    settings=[
        Setting(
            "active_profiles_allowance",
            100,
            _("Contracted active profiles"),
            0,
            minimum=0,
            maximum=10**12,
            help_text=_(
                "The number of active profiles the contract allows. Customer metrics shows the share "
                "used and warns above 90 % and 100 %. 0: no allowance recorded."
            ),
        ),
    ],
    role_permissions=[
        RolePermissions(Role.REPORT_READERS, ("reporting.view_activeprofilesnapshot",)),
        RolePermissions(Role.BILLING_OPERATOR, ("reporting.view_billingreport",)),
    ],
    explorer_entries=[
        ExplorerEntry(
            "customer_metrics",
            "administration.campaign_management",
            200,
            _("Customer metrics"),
            "reporting:customer_metrics",
            "reporting.view_activeprofilesnapshot",
        ),
        ExplorerEntry(
            "billing_reports",
            "administration.campaign_management",
            300,
            _("Billing reports"),
            "admin:reporting_billingreport_changelist",
            "reporting.view_billingreport",
        ),
    ],
    urls=Urls(prefix="reporting", module="reporting.urls"),
    home_blocks=[
        HomeBlock(
            "active_profiles",
            300,
            _("Active profiles"),
            "reporting/home_active_profiles.html",
            "reporting.view_activeprofilesnapshot",
            home.active_profiles,
        ),
        HomeBlock(
            "billing",
            400,
            _("Last billing report"),
            "reporting/home_billing.html",
            "reporting.view_billingreport",
            home.last_billing_report,
        ),
    ],
)
