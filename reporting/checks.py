"""System check: a bad reporting setting is reported at start-up, not on the 25th."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .conf import reporting_settings


@register()
def reporting_settings_check(app_configs, **kwargs):
    try:
        reporting_settings()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="reporting.E001")]
    return []
