"""Seeded roles: the operator groups, their permissions, the `billing` operator and the
default channels. Idempotent: run by a data migration and after every migrate."""

from django.conf import settings
from django.db.models import Q

# Permissions per group, as "app_label.codename". Administrators get every permission.
# A permission of an app or model that is not installed is ignored.
ADMINISTRATORS = "Administrators"
WORKFLOW_SUPERVISORS = "Workflow supervisors"
DELIVERY_OPERATORS = "Delivery operators"
OFFER_MANAGERS = "Offer managers"
REPORT_READERS = "Report readers"

GROUP_PERMISSIONS = {
    ADMINISTRATORS: "__all__",
    WORKFLOW_SUPERVISORS: [
        "workflows.view_workflow",
        "workflows.operate_workflow",
        "workflows.view_workflowrun",
        "workflows.view_workflowlog",
    ],
    DELIVERY_OPERATORS: [
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
        "offers.view_offer",
        "offers.view_live_offer",
    ],
    OFFER_MANAGERS: [
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
    ],
    REPORT_READERS: [
        "campaign.view_delivery",
        "campaign.view_channel",
        # Customer metrics and the active profile snapshots (reporting app).
        "reporting.view_activeprofilesnapshot",
    ],
}

# Reports the `billing` operator reads; extended by the apps that add billing reports.
BILLING_OPERATOR_PERMISSIONS = [
    "reporting.view_billingreport",
]

CHANNELS = [
    # code, label, counts for billing, social, Message Center
    ("email", "Email", True, False, True),
    ("sms", "SMS", True, False, True),
    ("push", "Mobile push", True, False, True),
    ("mail", "Direct mail", True, False, False),
    ("facebook", "Facebook", False, True, False),
    ("twitter", "Twitter", False, True, False),
]


def seed(apps, *, with_permissions=True):
    """Create groups, the billing operator and channels; assign permissions if asked."""
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Channel = apps.get_model("campaign", "Channel")

    groups = {name: Group.objects.get_or_create(name=name)[0] for name in GROUP_PERMISSIONS}
    billing, created = User.objects.get_or_create(
        username="billing",
        defaults={
            "is_staff": True,
            "is_superuser": False,
            "first_name": "Billing",
            "email": "",
            "password": "!",  # unusable until an administrator sets one
        },
    )
    seed_channels(Channel)
    if not with_permissions:
        return
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUP_PERMISSIONS.items():
        groups[name].permissions.set(_permissions(Permission, wanted))
    billing.user_permissions.set(_permissions(Permission, BILLING_OPERATOR_PERMISSIONS))


def seed_channels(Channel):
    """The default channels, by code (existing ones are left as edited); returns them."""
    found = {}
    for code, label, billable, social, transactional in CHANNELS:
        found[code], _ = Channel.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "counts_for_billing": billable,
                "is_social": social,
                "is_transactional_capable": transactional,
            },
        )
    return found


def _permissions(Permission, wanted):
    """One query for a group's permissions (seeding runs after every test flush too)."""
    if wanted == "__all__":
        return Permission.objects.all()
    if not wanted:
        return Permission.objects.none()
    match = Q()
    for dotted in wanted:
        app_label, codename = dotted.split(".")
        match |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.filter(match)


def seed_after_migrate(sender, **kwargs):
    """post_migrate is sent once per app: act after the last one, when every
    app's permissions exist."""
    from django.apps import apps

    if sender is not list(apps.get_app_configs())[-1]:
        return
    seed(apps, with_permissions=True)
