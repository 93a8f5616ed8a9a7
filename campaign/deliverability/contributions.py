"""What deliverability brings to the platform through the plug-in points: its settings
(the module switch, the ruleset URL and download limits, the quarantine counting, the
bounce mailbox), the purge of inbound bounce messages (with the delivery logs'
retention) and of stale qualification entries, its permissions, the Non deliverables management folder
of the explorer and its pages."""

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    Contributions,
    ExplorerEntry,
    ExplorerFolder,
    PurgeContext,
    PurgeStep,
    Role,
    RolePermissions,
    Setting,
    SettingKind,
    Urls,
)

from .choices import QualificationStatus
from .datagen import GENERATED_TABLES

FOLDER = "administration.campaign_management.non_deliverables"
# An entry "to qualify" nobody qualified and no bounce repeated for this long goes.
STALE_QUALIFICATION_DAYS = 360

VIEW = (
    "deliverability.view_qualificationrule",
    "deliverability.view_domainrule",
    "deliverability.view_mxrule",
    "deliverability.view_logqualification",
    "deliverability.view_inboundbounce",
    "deliverability.view_rulesetstate",
)


def stale_qualifications(context: PurgeContext):
    return context.now - timedelta(days=STALE_QUALIFICATION_DAYS)


contributions = Contributions(
    settings=[
        Setting(
            "installed",
            100,
            _("Deliverability module installed"),
            False,
            kind=SettingKind.BOOLEAN,
            help_text=_(
                "When off, the Deliverability update workflow changes nothing and says so in its journal."
            ),
        ),
        Setting(
            "feed_url",
            200,
            _("Ruleset URL (HTTPS)"),
            "",
            kind=SettingKind.URL,
            required=False,
            help_text=_(
                "Where Deliverability update downloads the bounce qualification, domain and MX rules "
                "(JSON, format version 1). Only HTTPS with a trusted certificate is accepted."
            ),
        ),
        Setting(
            "feed_timeout_seconds",
            300,
            _("Ruleset download timeout (seconds)"),
            30,
            minimum=1,
            maximum=600,
            required=False,
            help_text=_("Empty: 30 seconds."),
        ),
        Setting(
            "feed_max_kilobytes",
            400,
            _("Largest ruleset accepted (KiB)"),
            5120,
            minimum=16,
            maximum=102400,
            required=False,
            help_text=_("Empty: 5,120 KiB."),
        ),
        Setting(
            "max_errors",
            500,
            _("Maximum number of errors before quarantine"),
            5,
            minimum=1,
            maximum=50,
            required=False,
            help_text=_(
                "Soft errors counted before the next one quarantines the address; empty: 5 "
                "[NmsNPAI_EmailMaxError]."
            ),
        ),
        Setting(
            "significant_error_hours",
            600,
            _("Hours between two significant errors"),
            24,
            minimum=1,
            maximum=720,
            required=False,
            help_text=_(
                "A soft error less than this after the last counted one is not counted; empty: 24 "
                "[NmsNPAI_EmailSignificantErrorDelay]."
            ),
        ),
        Setting(
            "bounce_maildir",
            700,
            _("Bounce mailbox (Maildir folder)"),
            "",
            kind=SettingKind.TEXT,
            required=False,
            help_text=_("The folder process_bounces reads when it is given none."),
        ),
    ],
    purge_steps=[
        PurgeStep.by_age(
            "inbound_bounces",
            750,
            _("Inbound bounce messages"),
            model="deliverability.InboundBounce",
            time_field="received_at",
            # Kept as long as the delivery logs they qualify (the reference has no data
            # class of its own for them).
            retention="delivery_logs",
        ),
        PurgeStep.by_age(
            "stale_log_qualifications",
            760,
            _("Delivery log qualification entries never qualified"),
            model="deliverability.LogQualification",
            time_field="last_seen_at",
            cutoff=stale_qualifications,
            scope=Q(status=QualificationStatus.TO_QUALIFY),
        ),
    ],
    role_permissions=[
        RolePermissions(Role.DELIVERY_OPERATORS, VIEW),
        RolePermissions(Role.WORKFLOW_SUPERVISORS, ("deliverability.view_rulesetstate",)),
    ],
    explorer_folders=[
        ExplorerFolder(
            FOLDER, 100, _("Non deliverables management"), parent="administration.campaign_management"
        ),
    ],
    explorer_entries=[
        ExplorerEntry(
            "deliverability_status",
            FOLDER,
            100,
            _("Deliverability"),
            "deliverability:status",
            "deliverability.view_rulesetstate",
        ),
        ExplorerEntry(
            "quarantines",
            FOLDER,
            200,
            _("Quarantines"),
            "admin:campaign_quarantine_changelist",
            "campaign.view_quarantine",
        ),
        ExplorerEntry(
            "log_qualification",
            FOLDER,
            300,
            _("Delivery log qualification"),
            "admin:deliverability_logqualification_changelist",
            "deliverability.view_logqualification",
        ),
        ExplorerEntry(
            "bounce_rules",
            FOLDER,
            400,
            _("Bounce qualification rules"),
            "admin:deliverability_qualificationrule_changelist",
            "deliverability.view_qualificationrule",
        ),
        ExplorerEntry(
            "domain_rules",
            FOLDER,
            500,
            _("Domain management"),
            "admin:deliverability_domainrule_changelist",
            "deliverability.view_domainrule",
        ),
        ExplorerEntry(
            "mx_rules",
            FOLDER,
            600,
            _("MX management"),
            "admin:deliverability_mxrule_changelist",
            "deliverability.view_mxrule",
        ),
        ExplorerEntry(
            "inbound_bounces",
            FOLDER,
            700,
            _("Inbound bounces"),
            "admin:deliverability_inboundbounce_changelist",
            "deliverability.view_inboundbounce",
        ),
    ],
    urls=Urls(prefix="deliverability", module="campaign.deliverability.urls"),
    generated_tables=GENERATED_TABLES,
)
