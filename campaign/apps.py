from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Campaign")

    def ready(self):
        # Imported once the models are loaded.
        from . import changes, roles

        # After every migrate (and every test flush) groups, permissions, the billing
        # operator and the channels exist: the seed is idempotent.
        post_migrate.connect(roles.seed_after_migrate)
        # SQLite drops triggers when a migration remakes a table: put them back.
        post_migrate.connect(changes.install_after_migrate)
