from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DeliverabilityConfig(AppConfig):
    name = "campaign.deliverability"
    label = "deliverability"
    verbose_name = _("Deliverability")

    def ready(self):
        from . import rules

        # After every migrate (and every test flush) a platform with no bounce
        # qualification rule gets the shipped default ruleset, so qualification works
        # before the first feed download or on an offline installation.
        post_migrate.connect(rules.seed_default_ruleset, sender=self)
