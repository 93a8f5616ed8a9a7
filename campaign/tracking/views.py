"""The public tracking endpoints (no login), mounted under p/tracking/:

- `open_pixel`: a 1×1 transparent GIF; an authentic, fresh token appends an open hit;
- `click`: a redirect to the tracking URL's own target (never to anything taken from
  the request: no open redirect); an authentic, fresh token appends the hit.

A forged, truncated, altered or re-signed token gets 404 and writes nothing. A token
past its validity (tokens.py) still gets its GIF or its redirect, and writes nothing.
Each valid hit is one INSERT (hits.py), then the answer: no join, no update."""

import base64

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from campaign.models import TrackingUrl

from . import hits, tokens
from .conf import tracking_settings

# The smallest transparent GIF (1×1, 43 bytes).
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = "no-cache, no-store, must-revalidate, private, max-age=0"


def _reading(token, purpose):
    conf = tracking_settings()
    if not conf.enabled:
        raise Http404("tracking is disabled")
    reading = tokens.read(token, purpose, conf)
    if reading is None:
        raise Http404("unknown tracking token")
    return reading


def _user_agent(request):
    return request.META.get("HTTP_USER_AGENT", "")


@require_safe
def open_pixel(request, token):
    reading = _reading(token, tokens.Purpose.OPEN)
    if reading.fresh:
        hits.append(reading.hit, _user_agent(request))
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = NO_STORE
    response["Expires"] = "0"
    return response


@require_safe
def click(request, token):
    reading = _reading(token, tokens.Purpose.CLICK)
    hit = reading.hit
    # The target is the tracking URL's own, of the token's delivery.
    target = (
        TrackingUrl.objects.filter(pk=hit.url_id, delivery_id=hit.delivery_id)
        .values_list("url", flat=True)
        .first()
    )
    if not target:
        raise Http404("unknown tracking URL")
    if reading.fresh:
        hits.append(hit, _user_agent(request))
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = NO_STORE
    return response
