"""Admin screens of the core app.

Administration › Platform › Deployment wizard › Purge data: the retention settings of
the cleanup workflow (one PurgeSettings row), its policy in plain sentences and a dry
run of what cleanup would delete now. Wired in campaign/urls.py through
`admin.site.admin_view` (login, staff, CSRF); administrators only (change_purgesettings,
which only the Administrators group and superusers hold).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.api import RunStatus, last_run

from . import cleanup, retention
from .forms import PurgeSettingsForm
from .models import PurgeSettings

CHANGE_PURGE_SETTINGS = "campaign.change_purgesettings"


def _last_cleanup():
    return last_run("cleanup", RunStatus.SUCCEEDED)


def purge_settings(request):
    if not request.user.has_perm(CHANGE_PURGE_SETTINGS):
        raise PermissionDenied
    settings_row = PurgeSettings.load()
    if request.method == "POST":
        form = PurgeSettingsForm(request.POST, instance=settings_row)
        if form.is_valid():
            purge = form.save(commit=False)
            purge.updated_at = timezone.now()
            purge.updated_by = request.user
            purge.save()
            messages.success(request, _("The purge settings were saved."))
            return HttpResponseRedirect(reverse("campaign_purge_settings"))
        messages.error(request, _("Nothing was saved: please correct the errors below."))
        # The policy and the preview describe the saved settings, not the rejected input.
        settings_row = PurgeSettings.load()
    else:
        form = PurgeSettingsForm(instance=settings_row)
    now = timezone.now()
    rows = cleanup.preview(settings_row, now)
    context = {
        **admin.site.each_context(request),
        "title": _("Purge data"),
        "form": form,
        "purge": settings_row,
        "policy": retention.policy_sentences(settings_row, cleanup.purged_fields()),
        "preview": [{"row": row, "size": cleanup.human_bytes(row.bytes)} for row in rows],
        "preview_total": sum(row.rows or 0 for row in rows if row.action == "delete"),
        "now": now,
        "last_cleanup": _last_cleanup(),
        "opts": PurgeSettings._meta,
    }
    return TemplateResponse(request, "campaign/purge_settings.html", context)
