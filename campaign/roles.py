"""Seeded roles: the operator groups, the `billing` operator, their permissions, and
the default channels. Idempotent: run by a data migration (without permissions) and
after every migrate (with them, once every app's permissions exist).

The groups are workflows.plugins.Role; which permissions each holds is declared by the
app that owns them (RolePermissions in its contributions.py). Administrators hold every
permission.
"""

from django.apps import apps as installed_apps
from django.conf import settings
from django.db.models import Q

from workflows.plugins import Role, role_permissions

BILLING_USERNAME = Role.BILLING_OPERATOR.group_name

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
    """Create groups, the billing operator and channels; assign permissions if asked.
    `apps` is a migration's app registry or the installed one."""
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Channel = apps.get_model("campaign", "Channel")

    groups = {
        role: Group.objects.get_or_create(name=role.group_name)[0]
        for role in Role
        if role != Role.BILLING_OPERATOR
    }
    billing, _created = User.objects.get_or_create(
        username=BILLING_USERNAME,
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
    declared = role_permissions()
    for role, group in groups.items():
        wanted = "__all__" if role == Role.ADMINISTRATORS else declared[role]
        group.permissions.set(_permissions(Permission, wanted))
    billing.user_permissions.set(_permissions(Permission, declared[Role.BILLING_OPERATOR]))


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
    if sender is not list(installed_apps.get_app_configs())[-1]:
        return
    seed(installed_apps, with_permissions=True)
