"""What reporting brings to the platform through the plug-in points: the purge of
active contacts outside the active-profile window, the permissions of report readers
and of the `billing` operator, its pages and their explorer entries; for the delivery
reports, the aggregate tables that go with a deleted delivery and the purge of the
daily browser statistics (with the consolidated tracking they are built from)."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    BatchOperation,
    Contributions,
    DeliveryChild,
    ExplorerEntry,
    GeneratedTable,
    HomeBlock,
    PurgeContext,
    PurgeStep,
    Role,
    RolePermissions,
    Setting,
    Urls,
)

from . import home, report_generation
from .activity import window_start
from .conf import reporting_settings
from .models import UserAgentDay


def active_window_start(context: PurgeContext):
    """Contacts last active before the active-profile window no longer count."""
    return window_start(context.now, reporting_settings().window_months)


def browser_statistics_operations(context: PurgeContext):
    """Daily browser statistics of days before the consolidated tracking's cutoff day."""
    limit = context.cutoff("consolidated_tracking")
    if limit is None:
        return None
    where = Q(day__lt=timezone.localdate(limit))
    return [BatchOperation(UserAgentDay, where, str(UserAgentDay._meta.verbose_name_plural), keyset="day")]


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
        PurgeStep(
            "browser_statistics",
            480,
            _("Daily browser statistics"),
            operations=browser_statistics_operations,
            retention="consolidated_tracking",
            idle_reason=_("kept forever (no retention set)"),
        ),
    ],
    delivery_children=[
        DeliveryChild("delivery_days", 400, "reporting.DeliveryDay", "delivery"),
        DeliveryChild("delivery_failure_days", 410, "reporting.DeliveryFailureDay", "delivery"),
        DeliveryChild("domain_days", 420, "reporting.DomainDay", "delivery"),
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
    generated_tables=[
        GeneratedTable(
            key="delivery_report_aggregates",
            # After the tracking logs (950), before offers (1000 and up).
            order=960,
            label="delivery report aggregates (built from the logs)",
            models=(
                "reporting.AggregateBuild",
                "reporting.DeliveryDay",
                "reporting.DeliveryFailureDay",
                "reporting.DomainDay",
                "reporting.UserAgentDay",
            ),
            counts={"tiny": 1, "demo": 1, "bench": 1},  # a switch: the rows follow from the logs
            generate=report_generation.generate,
            requires=("delivery_logs",),
        ),
    ],
    role_permissions=[
        RolePermissions(Role.REPORT_READERS, ("reporting.view_activeprofilesnapshot",)),
        RolePermissions(Role.REPORT_READERS, ("reporting.view_deliveryday",)),
        RolePermissions(Role.DELIVERY_OPERATORS, ("reporting.view_deliveryday",)),
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
        ExplorerEntry(
            "delivery_statistics",
            "campaigns",
            150,
            _("Delivery statistics"),
            "reporting:delivery_statistics",
            "reporting.view_deliveryday",
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
