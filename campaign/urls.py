from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import views
from .health import healthz

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", healthz, name="healthz"),
    # set_language (POST): the language switch in the admin header.
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "admin/platform/purge-data/",
        admin.site.admin_view(views.purge_settings),
        name="campaign_purge_settings",
    ),
    path("admin/", admin.site.urls),
]
