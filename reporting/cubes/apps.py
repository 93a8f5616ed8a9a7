from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class CubesConfig(AppConfig):
    name = "reporting.cubes"
    label = "cubes"
    verbose_name = _("Cubes and Message Center")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks  # noqa: F401  (registers the cube checks)
        from .expressions import install_sqlite_functions

        # SQLite has no percentile_cont: each connection gets the same function in Python.
        connection_created.connect(install_sqlite_functions, dispatch_uid="cubes_sqlite_functions")
