"""System checks of the tracking settings.

tracking.E001: in production (DJANGO_ENV=production), tracking is enabled but its signing
key is missing, too short or equal to SECRET_KEY. Tracking is enabled by default exactly
when TRACKING_SIGNING_KEY is set, so `check --deploy` passes on production settings that
say nothing of tracking (the public endpoints then answer 404 and no link can be tracked);
nothing is ever derived from SECRET_KEY. tracking.E002: a bad tracking setting.
"""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from .conf import key_problems, tracking_settings


@register("tracking")
def tracking_settings_check(app_configs, **kwargs):
    try:
        conf = tracking_settings()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="tracking.E002")]
    if not settings.PRODUCTION:
        return []
    return [Error(problem, id="tracking.E001") for problem in key_problems(conf, settings.SECRET_KEY)]
