"""What the offer catalog brings to the platform through the plug-in points: the purge
of propositions (and with their delivery), their retention, the permissions of offer
managers and delivery operators, and the Offers folder of the explorer."""

from django.utils.translation import gettext_lazy as _

from workflows.plugins import (
    Contributions,
    DataClass,
    DeliveryChild,
    ExplorerEntry,
    ExplorerFolder,
    PurgeStep,
    Role,
    RolePermissions,
)

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
    ],
    delivery_children=[DeliveryChild("propositions", 300, "offers.Proposition", "delivery")],
    data_classes=[
        DataClass(
            "propositions",
            700,
            _("Offer propositions"),
            360,
            _("Offer propositions are deleted %(days)s after they were made."),
            option="NmsCleanup_PropositionPurgeDelay",
        ),
    ],
    role_permissions=[
        RolePermissions(Role.DELIVERY_OPERATORS, ("offers.view_offer", "offers.view_live_offer")),
        RolePermissions(
            Role.OFFER_MANAGERS,
            (
                "offers.view_environment",
                "offers.add_category",
                "offers.change_category",
                "offers.view_category",
                "offers.add_offerspace",
                "offers.change_offerspace",
                "offers.view_offerspace",
                "offers.add_offer",
                "offers.change_offer",
                "offers.view_offer",
                "offers.approve_offer",
                "offers.view_proposition",
            ),
        ),
    ],
    explorer_folders=[ExplorerFolder("offers", 300, _("Offers"))],
    explorer_entries=[
        ExplorerEntry(
            "offers", "offers", 100, _("Offers"), "admin:offers_offer_changelist", "offers.view_offer"
        ),
        ExplorerEntry(
            "categories",
            "offers",
            200,
            _("Categories"),
            "admin:offers_category_changelist",
            "offers.view_category",
        ),
        ExplorerEntry(
            "offer_spaces",
            "offers",
            300,
            _("Offer spaces"),
            "admin:offers_offerspace_changelist",
            "offers.view_offerspace",
        ),
        ExplorerEntry(
            "propositions",
            "offers",
            400,
            _("Propositions"),
            "admin:offers_proposition_changelist",
            "offers.view_proposition",
        ),
    ],
    generated_tables=GENERATED_TABLES,
)
