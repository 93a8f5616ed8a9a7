"""What the offer catalog brings to the platform through the plug-in points: the purge
of propositions (by age and with their delivery), of deactivated live offers and of the
approval audit trail, their retention (the trail's is a setting of the app), the
permissions of offer managers and delivery operators, the Offers folder of the explorer
(design, live, propositions, deployment), its pages and its home-page block."""

from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    Contributions,
    DataClass,
    DeliveryChild,
    ExplorerEntry,
    ExplorerFolder,
    HomeBlock,
    PurgeStep,
    Role,
    RolePermissions,
    Setting,
    Urls,
)

from . import purge_steps, views
from .datagen import GENERATED_TABLES

contributions = Contributions(
    purge_steps=[
        PurgeStep.by_age(
            "propositions",
            600,
            _("Offer propositions"),
            model="offers.Proposition",
            time_field="proposed_at",
            retention="propositions",
        ),
        PurgeStep(
            "deactivated_live_offers",
            610,
            _("Deactivated live offers"),
            operations=purge_steps.deactivated_live_offers,
            idle_reason=_("kept forever (no retention set)"),
        ),
        PurgeStep(
            "offer_audit",
            620,
            _("Offer approval audit trail"),
            operations=purge_steps.offer_audit_trail,
            idle_reason=_("kept forever (no retention set)"),
        ),
    ],
    delivery_children=[DeliveryChild("propositions", 300, "offers.Proposition", "delivery")],
    data_classes=[
        DataClass(
            "propositions",
            700,
            _("Offer propositions"),
            360,
            _(
                "Offer propositions are deleted %(days)s after they were made; a live offer deactivated "
                "for as long goes with them."
            ),
            option="NmsCleanup_PropositionPurgeDelay",
        ),
    ],
    settings=[
        Setting(
            purge_steps.AUDIT_TRAIL_SETTING,
            100,
            _("Offer audit trail: days kept"),
            purge_steps.AUDIT_TRAIL_DAYS,
            minimum=1,
            required=False,
            help_text=_(
                "Lines of the offers' audit trail (edits, approvals, rejections) are deleted this many days "
                "after they were written by cleanup; empty keeps them forever. Each offer keeps its current "
                "approvals whatever this says. Adobe's audit trail default "
                "(XtkCleanup_AuditTrailPurgeDelay): 180 days."
            ),
        ),
    ],
    role_permissions=[
        RolePermissions(Role.DELIVERY_OPERATORS, ("offers.view_live_offer", "offers.view_proposition")),
        RolePermissions(
            Role.OFFER_MANAGERS,
            (
                "offers.view_environment",
                "offers.add_category",
                "offers.change_category",
                "offers.delete_category",
                "offers.view_category",
                "offers.add_offerspace",
                "offers.change_offerspace",
                "offers.delete_offerspace",
                "offers.view_offerspace",
                "offers.add_offer",
                "offers.change_offer",
                "offers.delete_offer",
                "offers.view_offer",
                "offers.add_offercontent",
                "offers.change_offercontent",
                "offers.delete_offercontent",
                "offers.view_offercontent",
                "offers.approve_offer",
                "offers.view_live_offer",
                "offers.deploy_offers",
                "offers.view_offeraudit",
                "offers.view_proposition",
            ),
        ),
    ],
    explorer_folders=[
        ExplorerFolder("offers", 300, _("Offers")),
        ExplorerFolder("offers.design", 100, _("Design environment"), parent="offers"),
        ExplorerFolder("offers.live", 200, _("Live environment"), parent="offers"),
    ],
    explorer_entries=[
        ExplorerEntry(
            "offers", "offers.design", 100, _("Offers"), "admin:offers_offer_changelist", "offers.view_offer"
        ),
        ExplorerEntry(
            "categories",
            "offers.design",
            200,
            _("Categories"),
            "admin:offers_category_changelist",
            "offers.view_category",
        ),
        ExplorerEntry(
            "offer_spaces",
            "offers.design",
            300,
            _("Offer spaces"),
            "admin:offers_offerspace_changelist",
            "offers.view_offerspace",
        ),
        ExplorerEntry(
            "offer_audit",
            "offers.design",
            400,
            _("Audit trail"),
            "admin:offers_offeraudit_changelist",
            "offers.view_offeraudit",
        ),
        ExplorerEntry(
            "live_offers",
            "offers.live",
            100,
            _("Live offers"),
            "admin:offers_liveoffer_changelist",
            "offers.view_live_offer",
        ),
        ExplorerEntry(
            "live_categories",
            "offers.live",
            200,
            _("Live categories"),
            "admin:offers_livecategory_changelist",
            "offers.view_live_offer",
        ),
        ExplorerEntry(
            "live_offer_spaces",
            "offers.live",
            300,
            _("Live offer spaces"),
            "admin:offers_liveofferspace_changelist",
            "offers.view_live_offer",
        ),
        ExplorerEntry(
            "propositions",
            "offers",
            300,
            _("Propositions"),
            "admin:offers_proposition_changelist",
            "offers.view_proposition",
        ),
        ExplorerEntry(
            "offer_deployment",
            "offers",
            400,
            _("Deployment"),
            "offers:deployment",
            "offers.view_live_offer",
        ),
        ExplorerEntry(
            "offer_environments",
            "offers",
            500,
            _("Environments"),
            "admin:offers_environment_changelist",
            "offers.view_environment",
        ),
    ],
    urls=Urls(prefix="offers", module="offers.urls"),
    home_blocks=[
        HomeBlock(
            "offers",
            300,
            _("Offer catalog"),
            "offers/home_block.html",
            "offers.view_live_offer",
            views.home_block_context,
        ),
    ],
    generated_tables=GENERATED_TABLES,
)
