"""The archive of Message Center events: the queue's events and statuses reach it, and
cleanup keeps archived events 360 days (the operators' saved value wins) while it
purges the queue after 30."""

from datetime import timedelta

import pytest

from campaign import cleanup
from campaign.choices import EventStatus
from campaign.models import Event, RetentionPeriod
from reporting.cubes import archive
from reporting.cubes.models import ArchivedEvent, IntakeWindow

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_sync_adds_the_queues_events_and_copies_their_later_statuses(cube_world):
    order = cube_world.event_type()
    ids = cube_world.queued(order, [NOW - timedelta(hours=3)] * 3)
    assert archive.sync() == 3
    assert set(ArchivedEvent.objects.values_list("event_id", flat=True)) == set(ids)
    assert archive.sync() == 0  # nothing changed: no row rewritten
    processed = NOW - timedelta(hours=2)
    Event.objects.filter(pk=ids[0]).update(status=EventStatus.SENT, processed_at=processed, error_count=1)
    assert archive.sync() == 1
    copy = ArchivedEvent.objects.get(event_id=ids[0])
    assert (copy.status, copy.processed_at, copy.error_count) == (EventStatus.SENT, processed, 1)
    assert ArchivedEvent.objects.get(event_id=ids[1]).status == EventStatus.PENDING


def test_sync_keeps_what_only_the_intake_knows(cube_world):
    order = cube_world.event_type()
    (event_id,) = cube_world.queued(order, [NOW - timedelta(hours=1)])
    ArchivedEvent.objects.create(
        event_id=event_id,
        event_type=order,
        channel=cube_world.channel("sms"),
        email="",
        mobile_phone="+33612345678",
        scheduled_at=NOW,
        created_at=NOW - timedelta(hours=1),
        payload={"order": "A-1"},
    )
    Event.objects.filter(pk=event_id).update(status=EventStatus.FAILED)
    assert archive.sync() == 1
    copy = ArchivedEvent.objects.get(event_id=event_id)
    assert copy.status == EventStatus.FAILED
    assert (copy.mobile_phone, copy.scheduled_at, copy.payload) == ("+33612345678", NOW, {"order": "A-1"})


def run_cleanup(*only, now=NOW):
    metrics = {}
    cleanup.run_steps(now, log=lambda line: None, metrics=metrics, only=only or None)
    return metrics


def test_cleanup_purges_the_queue_after_30_days_and_the_archive_after_360(cube_world):
    order = cube_world.event_type()
    old_ids = cube_world.queued(order, [NOW - timedelta(days=40)] * 2, status=EventStatus.SENT)
    archive.sync()  # agg_messageCenter_full at 03:00, before cleanup at 04:00
    cube_world.archived(order, [NOW - timedelta(days=361)] * 4)
    cube_world.archived(order, [NOW - timedelta(days=359)] * 5)
    metrics = run_cleanup("events", "archived_events")
    assert not Event.objects.filter(pk__in=old_ids).exists()
    statuses = ArchivedEvent.objects.filter(event_id__in=old_ids).values_list("status", flat=True)
    assert list(statuses) == ["sent", "sent"]
    assert metrics["archived_events_rows"] == 4
    assert ArchivedEvent.objects.count() == 2 + 5


def test_the_archived_events_retention_is_the_value_operators_saved(cube_world):
    RetentionPeriod.objects.update_or_create(key="archived_events", defaults={"days": 100})
    order = cube_world.event_type()
    cube_world.archived(order, [NOW - timedelta(days=101)] * 3)
    cube_world.archived(order, [NOW - timedelta(days=99)] * 2)
    assert run_cleanup("archived_events")["archived_events_rows"] == 3
    RetentionPeriod.objects.filter(key="archived_events").update(days=None)  # keep forever
    cube_world.archived(order, [NOW - timedelta(days=3000)])
    assert run_cleanup("archived_events")["archived_events_rows"] == 0


def test_the_dry_run_and_the_purge_data_screen_show_the_archive(cube_world, administrator_client):
    order = cube_world.event_type()
    cube_world.archived(order, [NOW - timedelta(days=400)] * 2)
    key, _secret = cube_world.key()
    IntakeWindow.objects.create(key=key, minute=NOW - timedelta(days=3), events=5)
    preview = {(row.step, row.table): row.rows for row in cleanup.preview(NOW)}
    assert preview[("archived_events", "cubes_archivedevent")] == 2
    assert preview[("intake_windows", "cubes_intakewindow")] == 1
    assert ArchivedEvent.objects.count() == 2  # a dry run changes nothing
    page = administrator_client.get("/admin/platform/purge-data/").content.decode()
    assert "Archived Message Center events are deleted 360 days after they arrived" in page
    assert "NmsCleanup_EventHistoPurgeDelay" in page
