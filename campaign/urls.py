"""The project's URLs. Each installed app mounts its own (workflows.plugins.Urls in its
contributions.py): its admin pages under admin/<prefix>/ (namespace: the app label)
and its public endpoints under p/<prefix>/ (namespace: "<app label>_public", no login),
before the admin site's own URLs."""

from importlib import import_module

from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from workflows.plugins import url_mounts

from .health import healthz

PUBLIC_PREFIX = "p"


def favicon(request):
    """Browsers ask for /favicon.ico: the static icon's URL, resolved per request (the
    production manifest exists only once collectstatic ran, not when URLs load)."""
    return HttpResponsePermanentRedirect(static("campaign/favicon.svg"))


def mounted_app_urls():
    """The apps' admin pages, and their public endpoints (listed first in urlpatterns:
    the busiest URLs, the open pixel's above all, are matched after one prefix)."""
    admin_pages, public = [], []
    for app_label, urls in url_mounts():
        module = import_module(urls.module)
        if getattr(module, "urlpatterns", None):
            admin_pages.append(path(f"admin/{urls.prefix}/", include((module.urlpatterns, app_label))))
        endpoints = getattr(module, "public_urlpatterns", None)
        if endpoints:
            public.append(path(f"{urls.prefix}/", include((endpoints, f"{app_label}_public"))))
    return admin_pages, public


admin_pages, public_endpoints = mounted_app_urls()

urlpatterns = [
    path(f"{PUBLIC_PREFIX}/", include(public_endpoints)),
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    # set_language (POST): the language switch in the admin header.
    path("i18n/", include("django.conf.urls.i18n")),
    *admin_pages,
    path("admin/", admin.site.urls),
]
