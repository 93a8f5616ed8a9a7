from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = _("Technical workflows")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)

        # Workflows are declared in the tasks.py of installed apps only.
        autodiscover_modules("tasks")
        post_migrate.connect(sync_after_migrate)


def sync_after_migrate(sender, **kwargs):
    """Once per migrate (after the last app), create the workflow rows and schedules."""
    from django.apps import apps

    from .schedules import sync_workflows

    if sender is not list(apps.get_app_configs())[-1]:
        return
    sync_workflows()
