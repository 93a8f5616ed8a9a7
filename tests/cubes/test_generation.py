"""generate_data and the demo: the archive holds the queue's events and a year of older
ones (a first cleanup purges a small share), and the aggregates are built."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from campaign import cleanup
from campaign.devtools import datagen
from campaign.models import Event
from offers.models import Proposition
from reporting.cubes.models import AggregateBuild, ArchivedEvent, MessageCenterAggregate

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
TINY = datagen.preset_counts("tiny")


def test_the_tiny_preset_archives_the_queue_and_a_year_before_it():
    call_command("generate_data", "--preset", "tiny", "--now", NOW.isoformat(), verbosity=0)
    queued = set(Event.objects.values_list("pk", flat=True))
    assert set(ArchivedEvent.objects.exclude(event_id=None).values_list("event_id", flat=True)) == queued
    history = ArchivedEvent.objects.filter(event_id=None)
    assert history.count() == TINY["archived_events"] == 600
    assert not history.filter(created_at__gt=NOW - timedelta(days=30)).exists()
    assert not history.filter(created_at__lt=NOW - timedelta(days=377)).exists()
    statuses = set(history.values_list("status", flat=True))
    assert statuses == {"sent", "failed", "ignored", "expired", "not_covered", "processed"}
    assert not history.filter(processed_at=None).exists()
    # A first cleanup deletes a small share of the history, not most of it (the queue's
    # copies are as old as the queue's generated events).
    purged = history.filter(created_at__lt=NOW - timedelta(days=360)).count()
    assert 0 < purged / history.count() < 0.05
    preview = {(row.step, row.table): row.rows for row in cleanup.preview(NOW)}
    old_copies = ArchivedEvent.objects.exclude(event_id=None).filter(created_at__lt=NOW - timedelta(days=360))
    assert preview[("archived_events", "cubes_archivedevent")] == purged + old_copies.count()


def test_the_aggregates_are_built_at_the_generations_now():
    call_command("generate_data", "--preset", "tiny", "--now", NOW.isoformat(), verbosity=0)
    builds = {build.cube: build for build in AggregateBuild.objects.all()}
    assert set(builds) == {"propositions", "message_center"}
    assert builds["propositions"].facts == Proposition.objects.count() == TINY["propositions"]
    assert builds["message_center"].facts == ArchivedEvent.objects.count()
    assert builds["message_center"].built_at == NOW and builds["message_center"].rows > 0
    assert MessageCenterAggregate.objects.count() == builds["message_center"].rows
    # --truncate empties them with the rest.
    call_command("generate_data", "--preset", "tiny", "--now", NOW.isoformat(), "--truncate", verbosity=0)
    assert AggregateBuild.objects.count() == 2
    assert ArchivedEvent.objects.filter(event_id=None).count() == 600
