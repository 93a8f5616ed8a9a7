from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "campaign.tracking"
    label = "tracking"
    verbose_name = _("Tracking")

    def ready(self):
        from . import checks  # noqa: F401  (registers the signing-key check)
