"""Tracking's admin page (Administration › Production › Tracking): where consolidation
stands: the pointer, the hits waiting, the last run, and how tokens are signed."""

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from campaign.admin_pages import page, page_context
from campaign.models import TrackingHit
from workflows.api import last_run

from .conf import tracking_settings
from .models import StaleIndicators, TrackingPointer, UserAgent

VIEW_PERMISSION = "tracking.view_trackingpointer"


@page(VIEW_PERMISSION)
def status(request):
    pointer = TrackingPointer.objects.filter(pk=TrackingPointer.SINGLETON_ID).first()
    conf = tracking_settings()
    context = {
        **page_context(request, _("Tracking")),
        "pointer": pointer,
        "pending_hits": TrackingHit.objects.filter(consolidated_at__isnull=True).count(),
        "stale_deliveries": StaleIndicators.objects.count(),
        "user_agents": UserAgent.objects.count(),
        "run": last_run("tracking"),
        "enabled": conf.enabled,
        "has_key": bool(conf.signing_key),
        "token_days": conf.token_max_age_days,
        "base_url": conf.base_url,
    }
    return TemplateResponse(request, "tracking/status.html", context)
