from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AliasesConfig(AppConfig):
    name = "campaign.aliases"
    label = "aliases"
    verbose_name = _("Alias cleansing")
