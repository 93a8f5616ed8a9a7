"""The admin site of the platform: /admin/ opens on the operations home page (the
blocks every installed app declares, each shown to the operators holding its
permission); Django's list of applications and models is at /admin/models/."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.plugins import home_blocks


def visible_blocks(request, now):
    """(block, rendered HTML) of the home-page blocks this operator may see, in order."""
    shown = []
    for block in home_blocks():
        if not request.user.has_perm(block.permission):
            continue
        context = {"block": block, "now": now, "request": request, **block.context(request, now)}
        shown.append((block, render_to_string(block.template, context, request=request)))
    return shown


class PlatformAdminSite(admin.AdminSite):
    site_title = _("Campaign platform")
    site_header = _("Campaign platform")
    index_title = _("Operations")

    def get_urls(self):
        return [path("models/", self.admin_view(self.models_index), name="models"), *super().get_urls()]

    def index(self, request, extra_context=None):
        now = timezone.now()
        context = {
            **self.each_context(request),
            "title": self.index_title,
            "blocks": visible_blocks(request, now),
            "now": now,
            **(extra_context or {}),
        }
        request.current_app = self.name
        return TemplateResponse(request, "campaign/home.html", context)

    def models_index(self, request):
        """Django's own index: every application and model the operator may see."""
        return super().index(request, extra_context={"title": _("Applications and models")})


class PlatformAdminConfig(AdminConfig):
    default_site = "campaign.admin_site.PlatformAdminSite"
