from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = _("Campaign")

    def ready(self):
        from . import roles

        # After every migrate (and every test flush) groups, permissions, the billing
        # operator and the channels exist: the seed is idempotent.
        post_migrate.connect(roles.seed_after_migrate)
