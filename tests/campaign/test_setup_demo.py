"""`manage.py setup_demo` (run by `make run`): idempotent, one administrator, its
password printed only when it is created."""

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.utils import timezone

from campaign.models import Recipient
from workflows.models import Workflow

pytestmark = pytest.mark.django_db


def setup_demo(*args):
    out = StringIO()
    call_command("setup_demo", *args, stdout=out)
    return out.getvalue()


def test_the_administrator_is_created_once_with_a_password_printed_once():
    first = setup_demo("--no-data")
    password = re.search(r"Administrator created: admin / (\S+)", first).group(1)
    admin = authenticate(username="admin", password=password)
    assert admin is not None and admin.is_superuser and admin.is_staff
    assert list(admin.groups.values_list("name", flat=True)) == ["Administrators"]

    second = setup_demo("--no-data")
    assert password not in second
    assert "already exists; password unchanged" in second
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert authenticate(username="admin", password=password) is not None


def test_it_seeds_workflows_even_after_they_were_lost():
    Workflow.objects.all().delete()
    setup_demo("--no-data")
    assert Workflow.objects.filter(name="cleanupPausedWorkflows", periodic_task__isnull=False).exists()


def test_demo_data_is_not_loaded_over_existing_recipients():
    Recipient.objects.create(email="kept@example.com", created_at=timezone.now())
    out = setup_demo()
    assert Recipient.objects.count() == 1
    assert "nothing loaded" in out or "not installed" in out


@pytest.mark.slow  # generates the demo data set
def test_the_demo_loads_data_and_counts_active_profiles_once():
    from campaign.models import ExternalProfile
    from reporting.models import ActiveProfileSnapshot

    out = setup_demo()
    assert Recipient.objects.count() > 100
    snapshot = ActiveProfileSnapshot.objects.get(backfilled=False)
    assert 0 < snapshot.total <= Recipient.objects.count() + ExternalProfile.objects.count()
    assert "First active profile count: run #" in out and "succeeded" in out


@pytest.mark.slow  # generates the demo data set
def test_the_demo_looks_like_a_running_platform():
    """A month of backfilled daily counts, and data spread like a platform whose cleanup
    ran every day: today's first dry run deletes a small share, not most of it."""
    from campaign import cleanup
    from campaign.models import DeliveryLog, Event
    from reporting.models import ActiveProfileSnapshot

    setup_demo()
    backfilled = ActiveProfileSnapshot.objects.filter(backfilled=True)
    assert backfilled.count() == 30
    days = {timezone.localtime(s.computed_at).date() for s in backfilled}
    assert len(days) == 30 and all(s.total > 0 for s in backfilled)
    preview = {row.step: row.rows or 0 for row in cleanup.preview(timezone.now()) if row.action == "delete"}
    logs, events = DeliveryLog.objects.count(), Event.objects.count()
    assert logs > 1000 and events > 50
    assert preview.get("delivery_logs", 0) < logs * 0.05
    assert preview.get("events", 0) < events * 0.10
