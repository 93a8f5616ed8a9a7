"""What tracking brings to the platform through the plug-in points: the purge of its
tracking logs, consolidated statistics and Message Center statistics (with their
retention data classes, keys kept from the platform's first Purge data screen), its
tables that go with a deleted delivery, its batch size setting, its generated data, its
permissions, its explorer entries and its URLs (admin page and public endpoints)."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    BatchOperation,
    Contributions,
    DataClass,
    DeliveryChild,
    ExplorerEntry,
    GeneratedTable,
    PurgeContext,
    PurgeStep,
    Role,
    RolePermissions,
    Setting,
    Urls,
)

from . import generation
from .models import EventStatistic


def event_statistics_operations(context: PurgeContext):
    """Message Center statistics of days before the retention's cutoff day."""
    limit = context.cutoff("event_statistics")
    if limit is None:
        return None
    where = Q(day__lt=timezone.localdate(limit))
    return [
        BatchOperation(EventStatistic, where, str(EventStatistic._meta.verbose_name_plural), keyset="day")
    ]


contributions = Contributions(
    purge_steps=[
        PurgeStep.by_age(
            "tracking_logs",
            460,
            _("Tracking logs"),
            model="tracking.TrackingLog",
            time_field="tracked_at",
            retention="tracking_logs",
        ),
        PurgeStep.by_age(
            "consolidated_tracking",
            470,
            _("Consolidated tracking statistics"),
            model="tracking.TrackingStatistic",
            time_field="bucket",
            retention="consolidated_tracking",
        ),
        PurgeStep(
            "event_statistics",
            750,
            _("Message Center event statistics"),
            operations=event_statistics_operations,
            retention="event_statistics",
            idle_reason=_("kept forever (no retention set)"),
        ),
    ],
    delivery_children=[
        DeliveryChild("tracking_logs", 250, "tracking.TrackingLog", "delivery"),
        DeliveryChild("tracking_statistics", 260, "tracking.TrackingStatistic", "delivery"),
        DeliveryChild("delivery_indicators", 270, "tracking.DeliveryIndicators", "delivery"),
        DeliveryChild("stale_indicators", 280, "tracking.StaleIndicators", "delivery"),
    ],
    data_classes=[
        DataClass(
            "tracking_logs",
            300,
            _("Tracking logs"),
            360,
            _(
                "Tracking logs (who opened or clicked what, when, with which browser) are deleted %(days)s "
                "after the hit."
            ),
            option="NmsCleanup_TrackingLogPurgeDelay",
        ),
        DataClass(
            "consolidated_tracking",
            400,
            _("Consolidated tracking"),
            360,
            _(
                "Consolidated tracking statistics (hits per delivery, link and 5 minutes) are deleted "
                "%(days)s after their period."
            ),
            option="NmsCleanup_TrackingStatPurgeDelay",
        ),
        DataClass(
            "event_statistics",
            850,
            _("Statistics of event processing"),
            360,
            _("Message Center statistics per event type and day are deleted %(days)s after their day."),
            option="NmsCleanup_EventStatPurgeDelay",
        ),
    ],
    settings=[
        Setting(
            "batch_size",
            100,
            _("Raw hits per consolidation batch"),
            50_000,
            help_text=_(
                "The tracking workflow consolidates raw hits this many at a time, each batch in its own "
                "transaction."
            ),
            minimum=1_000,
            maximum=1_000_000,
        ),
    ],
    generated_tables=[
        GeneratedTable(
            key="tracking_logs",
            # After the raw hits (600) and Message Center events (800), before offers.
            order=950,
            label="tracking logs, statistics, indicators (derived from the hits)",
            models=(
                "tracking.UserAgent",
                "tracking.TrackingLog",
                "tracking.TrackingStatistic",
                # DeliveryIndicators and StaleIndicators (keyed by their delivery) are
                # emptied with the deliveries they point at.
                "tracking.EventStatistic",
                "tracking.TrackingPointer",
            ),
            counts={"tiny": 1, "demo": 1, "bench": 1},  # a switch: the rows follow from the hits
            generate=generation.generate,
            requires=("tracking_hits",),
        ),
    ],
    role_permissions=[
        RolePermissions(
            Role.DELIVERY_OPERATORS,
            (
                "tracking.view_trackinglog",
                "tracking.view_trackingstatistic",
                "tracking.view_deliveryindicators",
                "tracking.view_useragent",
            ),
        ),
        RolePermissions(
            Role.REPORT_READERS,
            (
                "tracking.view_trackingstatistic",
                "tracking.view_deliveryindicators",
                "tracking.view_eventstatistic",
            ),
        ),
        RolePermissions(Role.WORKFLOW_SUPERVISORS, ("tracking.view_trackingpointer",)),
    ],
    explorer_entries=[
        ExplorerEntry(
            "tracking_logs",
            "campaigns",
            250,
            _("Tracking logs"),
            "admin:tracking_trackinglog_changelist",
            "tracking.view_trackinglog",
        ),
        ExplorerEntry(
            "event_statistics",
            "campaigns",
            350,
            _("Message Center statistics"),
            "admin:tracking_eventstatistic_changelist",
            "tracking.view_eventstatistic",
        ),
        ExplorerEntry(
            "tracking_status",
            "administration.production",
            400,
            _("Tracking"),
            "tracking:status",
            "tracking.view_trackingpointer",
        ),
    ],
    urls=Urls(prefix="tracking", module="campaign.tracking.urls"),
)
