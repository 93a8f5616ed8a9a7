"""The core's block of the operations home page: the next cleanup and what its last
dry run would delete (counted by the "Count now" button, never on page load)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from workflows.api import next_run_of

from . import cleanup
from .admin_pages import page
from .models import CleanupPreview

COUNT_PERMISSION = "workflows.operate_workflow"


def next_cleanup(request, now):
    return {
        "next_run": next_run_of("cleanup", now),
        "preview": CleanupPreview.objects.select_related("computed_by").first(),
        "can_count": request.user.has_perm(COUNT_PERMISSION),
        "purge_url": reverse("campaign:purge_settings")
        if request.user.has_perm("campaign.change_purgesettings")
        else None,
    }


@page(COUNT_PERMISSION)
@require_POST
def count_cleanup(request):
    """Count what cleanup would delete now, and keep it for the home page."""
    now = timezone.now()
    kept = cleanup.store_preview(cleanup.preview(now), now, request.user)
    text = ngettext(
        "Cleanup dry run counted: %(rows)s row would be deleted now.",
        "Cleanup dry run counted: %(rows)s rows would be deleted now.",
        kept.rows_to_delete,
    )
    messages.success(request, text % {"rows": f"{kept.rows_to_delete:,}"})
    return redirect("admin:index")
