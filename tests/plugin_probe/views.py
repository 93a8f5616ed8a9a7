from django.http import HttpResponse
from django.template.response import TemplateResponse

from campaign.admin_pages import page, page_context

from .models import ProbeRow


@page("plugin_probe.view_proberow")
def rows(request):
    context = page_context(request, "Probe rows", count=ProbeRow.objects.count())
    return TemplateResponse(request, "plugin_probe/rows.html", context)


def ping(request):
    return HttpResponse("probe pong", content_type="text/plain")
