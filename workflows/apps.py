from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Technical workflows")

    def ready(self):
        # Imported here, once the models are loaded: the system checks register
        # themselves, and workflows are declared in the tasks.py of installed apps only.
        from . import checks  # noqa: F401
        from .sync import sync_after_migrate

        autodiscover_modules("tasks")
        post_migrate.connect(sync_after_migrate)
