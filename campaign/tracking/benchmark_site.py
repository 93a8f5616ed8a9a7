"""The site the open-pixel benchmark serves with gunicorn: the project's own URLs (so
the pixel answers at its real address, through the real middleware) plus one minimal
Django view returning the same GIF, the baseline measured in the same run.

    gunicorn campaign.tracking.benchmark_wsgi:application

Development tooling: never mounted by the project's own URLs.
"""

from django.http import HttpResponse
from django.urls import path

from campaign.urls import urlpatterns as project_urlpatterns

from .views import PIXEL

BASELINE_PATH = "benchmark/minimal.gif"


def minimal_gif(request):
    """The baseline: the same GIF from a plain Django view, nothing else."""
    return HttpResponse(PIXEL, content_type="image/gif")


urlpatterns = [path(BASELINE_PATH, minimal_gif), *project_urlpatterns]
