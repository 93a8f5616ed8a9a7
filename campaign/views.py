"""The core's admin pages (campaign.platform_urls, wrapped by campaign.admin_pages.page):

- Administration › Platform › Deployment wizard › Purge data: the retention of every
  declared data class and how cleanup runs, the policy in plain sentences, a dry run
  of what cleanup would delete now, and the audit of changes (administrators only:
  change_purgesettings);
- Administration › Platform › Settings: every app's declared settings, audited
  (administrators only: change_settingvalue).
"""

from django.apps import apps
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.api import RunStatus, last_run
from workflows.plugins import settings_by_app

from . import cleanup, configuration, retention
from .admin_pages import page, page_context
from .forms import PurgeSettingsForm, SettingsForm
from .models import PurgeSettings, SettingChange

HISTORY = 20
PURGE_KEYS = ("retention.", "cleanup.")


def _purge_changes():
    keys = SettingChange.objects.none()
    for prefix in PURGE_KEYS:
        keys = keys | SettingChange.objects.filter(key__startswith=prefix)
    return keys.select_related("changed_by").latest_first()[:HISTORY]


@transaction.atomic
def _save_purge(form, user, now):
    purge = PurgeSettings.load()
    for field in ("statistics_mode", "batch_size"):
        before, after = getattr(purge, field), form.cleaned_data[field]
        if before != after:
            configuration.record_change(f"cleanup.{field}", before, after, user, now)
            setattr(purge, field, after)
    purge.updated_at, purge.updated_by = now, user
    purge.save()

    def record(key, before, after):
        configuration.record_change(key, before, after, user, now)

    retention.save_periods(form.retention_values(), user, now, record)


@page("campaign.change_purgesettings")
def purge_settings(request):
    now = timezone.now()
    current = retention.Retention.load()
    if request.method == "POST":
        form = PurgeSettingsForm(request.POST, instance=PurgeSettings.load(), retention=current)
        if form.is_valid():
            _save_purge(form, request.user, now)
            messages.success(request, _("The purge settings were saved."))
            return HttpResponseRedirect(reverse("campaign:purge_settings"))
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    else:
        form = PurgeSettingsForm(instance=PurgeSettings.load(), retention=current)
    # The policy and the preview describe the saved settings, not rejected input.
    saved = PurgeSettings.load()
    rows = cleanup.preview(now)
    context = page_context(
        request,
        _("Purge data"),
        form=form,
        purge=saved,
        policy=retention.policy_sentences(current, saved, cleanup.purged_data_classes()),
        preview=[{"row": row, "size": cleanup.human_bytes(row.bytes)} for row in rows],
        preview_total=sum(row.rows or 0 for row in rows if row.action == "delete"),
        now=now,
        last_cleanup=last_run("cleanup", RunStatus.SUCCEEDED),
        changes=_purge_changes(),
    )
    return TemplateResponse(request, "campaign/purge_settings.html", context)


def _groups():
    """[(the app's name, [(full key, Setting)])] for the settings form."""
    return [
        (
            apps.get_app_config(app_label).verbose_name,
            [(f"{app_label}.{setting.key}", setting) for setting in settings],
        )
        for app_label, settings in settings_by_app()
    ]


@page("campaign.change_settingvalue")
def platform_settings(request):
    groups = _groups()
    current = configuration.values()
    if request.method == "POST":
        form = SettingsForm(request.POST, groups=groups, current=current)
        if form.is_valid():
            changed = configuration.save(form.changes(), request.user)
            if changed:
                messages.success(request, _("Settings saved: %(keys)s.") % {"keys": ", ".join(changed)})
            else:
                messages.info(request, _("Nothing changed."))
            return HttpResponseRedirect(reverse("campaign:settings"))
        messages.error(request, _("Nothing was saved: please correct the errors below."))
    else:
        form = SettingsForm(groups=groups, current=current)
    changes = SettingChange.objects.exclude(key__startswith="retention.").exclude(key__startswith="cleanup.")
    context = page_context(
        request,
        _("Settings"),
        form=form,
        has_settings=bool(groups),
        changes=changes.select_related("changed_by").latest_first()[:HISTORY],
    )
    return TemplateResponse(request, "campaign/settings.html", context)
