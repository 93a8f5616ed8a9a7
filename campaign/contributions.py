"""What the core brings to the platform through the plug-in points: its purge steps,
the child tables of a delivery it owns, its retention data classes, its permissions
for the seeded groups, the explorer folders and entries of its screens, and the
recipient fields its enumerations govern."""

from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    Contributions,
    DataClass,
    DeliveryChild,
    EnumerationBinding,
    ExplorerEntry,
    ExplorerFolder,
    HomeBlock,
    PurgeStep,
    Role,
    RolePermissions,
    Urls,
)

from . import home, purge_steps
from .devtools.datagen.tables import GENERATED_TABLES

contributions = Contributions(
    purge_steps=[
        PurgeStep(
            "deleted_deliveries",
            100,
            _("Deleted deliveries"),
            operations=purge_steps.deleted_deliveries,
            retention="deleted_deliveries",
            idle_reason=_("kept forever (no retention set)"),
        ),
        PurgeStep(
            "expired_deliveries",
            200,
            _("Expired deliveries"),
            operations=purge_steps.expired_deliveries,
            updates=True,
        ),
        PurgeStep.by_age(
            "raw_hits",
            400,
            _("Consolidated raw tracking hits"),
            model="campaign.TrackingHit",
            time_field="consolidated_at",
            retention="raw_hits",
        ),
        PurgeStep(
            "delivery_logs",
            500,
            _("Delivery logs"),
            operations=purge_steps.delivery_logs,
            retention="delivery_logs",
            idle_reason=_("kept forever (no retention set)"),
        ),
        PurgeStep(
            "events",
            700,
            _("Message Center events"),
            operations=purge_steps.events,
            retention="events",
            idle_reason=_("kept forever (no retention set)"),
        ),
        PurgeStep(
            "quarantine",
            800,
            _("Quarantine upkeep"),
            operations=purge_steps.quarantine_upkeep,
            updates=True,
        ),
        PurgeStep.by_age(
            "sessions",
            1000,
            _("Expired sessions"),
            model="sessions.Session",
            time_field="expire_date",
            cutoff=lambda context: context.now,
        ),
    ],
    delivery_children=[
        DeliveryChild("delivery_logs", 100, "campaign.DeliveryLog", "delivery"),
        DeliveryChild("tracking_hits", 200, "campaign.TrackingHit", "delivery"),
        # After the hits, which point at their URL.
        DeliveryChild("tracking_urls", 900, "campaign.TrackingUrl", "delivery"),
    ],
    data_classes=[
        DataClass(
            "deleted_deliveries",
            100,
            _("Deleted deliveries"),
            7,
            _(
                "A deleted delivery is purged %(days)s after its deletion, with all its delivery logs, "
                "tracking, offer propositions and every other row that belongs to it."
            ),
            option="NmsCleanup_RecycledDeliveryPurgeDelay",
        ),
        DataClass(
            "delivery_logs",
            200,
            _("Delivery logs"),
            180,
            _("Delivery logs are deleted %(days)s after their last event."),
            option="NmsCleanup_BroadLogPurgeDelay",
        ),
        DataClass(
            "raw_hits",
            500,
            _("Raw tracking hits (consolidated)"),
            360,
            _(
                "Raw tracking hits are deleted %(days)s after their consolidation; hits not "
                "consolidated yet are never deleted."
            ),
        ),
        DataClass(
            "events",
            800,
            _("Message Center events"),
            30,
            _("Message Center events are deleted %(days)s after they arrived."),
            option="NmsCleanup_EventPurgeDelay",
        ),
    ],
    role_permissions=[
        RolePermissions(
            Role.DELIVERY_OPERATORS,
            (
                "campaign.view_channel",
                "campaign.add_delivery",
                "campaign.change_delivery",
                "campaign.view_delivery",
                "campaign.view_deliverylog",
                "campaign.add_recipient",
                "campaign.change_recipient",
                "campaign.view_recipient",
                "campaign.add_recipientlist",
                "campaign.change_recipientlist",
                "campaign.view_recipientlist",
                "campaign.view_externalprofile",
                "campaign.view_trackingurl",
                "campaign.view_quarantine",
            ),
        ),
        RolePermissions(Role.REPORT_READERS, ("campaign.view_delivery", "campaign.view_channel")),
    ],
    explorer_folders=[
        ExplorerFolder("profiles", 100, _("Profiles and targets")),
        ExplorerFolder("campaigns", 200, _("Campaigns")),
        ExplorerFolder(
            "administration.campaign_management", 100, _("Campaign Management"), parent="administration"
        ),
        ExplorerFolder("administration.platform", 300, _("Platform"), parent="administration"),
        ExplorerFolder("administration.access", 400, _("Access management"), parent="administration"),
    ],
    explorer_entries=[
        ExplorerEntry(
            "recipients",
            "profiles",
            100,
            _("Recipients"),
            "admin:campaign_recipient_changelist",
            "campaign.view_recipient",
        ),
        ExplorerEntry(
            "external_profiles",
            "profiles",
            200,
            _("External profiles"),
            "admin:campaign_externalprofile_changelist",
            "campaign.view_externalprofile",
        ),
        ExplorerEntry(
            "lists",
            "profiles",
            300,
            _("Lists"),
            "admin:campaign_recipientlist_changelist",
            "campaign.view_recipientlist",
        ),
        ExplorerEntry(
            "deliveries",
            "campaigns",
            100,
            _("Deliveries"),
            "admin:campaign_delivery_changelist",
            "campaign.view_delivery",
        ),
        ExplorerEntry(
            "delivery_logs",
            "campaigns",
            200,
            _("Delivery logs"),
            "admin:campaign_deliverylog_changelist",
            "campaign.view_deliverylog",
        ),
        ExplorerEntry(
            "events",
            "campaigns",
            300,
            _("Message Center events"),
            "admin:campaign_event_changelist",
            "campaign.view_event",
        ),
        ExplorerEntry(
            "enumerations",
            "administration.platform",
            100,
            _("Enumerations"),
            "admin:campaign_enumeration_changelist",
            "campaign.view_enumeration",
        ),
        ExplorerEntry(
            "channels",
            "administration.platform",
            200,
            _("Channels"),
            "admin:campaign_channel_changelist",
            "campaign.view_channel",
        ),
        ExplorerEntry(
            "purge_data",
            "administration.platform",
            300,
            _("Deployment wizard › Purge data"),
            "campaign:purge_settings",
            "campaign.change_purgesettings",
        ),
        ExplorerEntry(
            "settings",
            "administration.platform",
            400,
            _("Settings"),
            "campaign:settings",
            "campaign.change_settingvalue",
        ),
        ExplorerEntry(
            "operators",
            "administration.access",
            100,
            _("Operators"),
            "admin:auth_user_changelist",
            "auth.view_user",
        ),
        ExplorerEntry(
            "operator_groups",
            "administration.access",
            200,
            _("Operator groups"),
            "admin:auth_group_changelist",
            "auth.view_group",
        ),
    ],
    urls=Urls(prefix="platform", module="campaign.platform_urls"),
    enumeration_bindings=[
        EnumerationBinding("recipient_country", "country", "campaign.Recipient", "country"),
        EnumerationBinding("recipient_company_type", "company_type", "campaign.Recipient", "company_type"),
    ],
    generated_tables=GENERATED_TABLES,
    home_blocks=[
        HomeBlock(
            "cleanup",
            200,
            _("Database cleanup"),
            "campaign/home_cleanup.html",
            "workflows.view_workflow",
            home.next_cleanup,
        ),
    ],
)
