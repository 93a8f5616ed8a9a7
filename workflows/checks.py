"""System checks of the workflow engine."""

from django.conf import settings
from django.core.checks import Error, register

from .plugins import check_contributions
from .registry import all_specs


@register()
def check_visibility_timeout(app_configs, **kwargs):
    """Redis redelivers an unacknowledged task after its visibility timeout: it must
    exceed the longest workflow time limit, or a long run would start twice."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    timeout = options.get("visibility_timeout")
    if timeout is None:
        return []
    longest = max((spec.time_limit for spec in all_specs()), default=0)
    if timeout <= longest:
        return [
            Error(
                f"Broker visibility_timeout ({timeout} s) must exceed the longest workflow "
                f"time limit ({longest} s).",
                id="workflows.E001",
            )
        ]
    return []


@register()
def check_plugin_declarations(app_configs, **kwargs):
    """Duplicate keys, unknown folders, permissions of another app… in contributions.py."""
    return [Error(message, id="workflows.E002") for message in check_contributions()]
