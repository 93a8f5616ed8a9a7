"""Seed the operator groups, the `billing` operator and the channels.

Permissions are assigned after migrate (campaign.roles.seed_after_migrate), once every
app's permissions exist."""

from django.db import migrations


def seed(apps, schema_editor):
    from campaign.roles import seed as seed_roles

    seed_roles(apps, with_permissions=False)


class Migration(migrations.Migration):
    dependencies = [
        ("campaign", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
