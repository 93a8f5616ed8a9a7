"""Beat's scheduler: django-celery-beat's DatabaseScheduler that also writes beat's own
heartbeat and reaps abandoned runs, so screens and /healthz know beat is alive."""

import logging
import os
import socket
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)


def write_heartbeat(identity, now):
    from .engine import reap_abandoned
    from .models import BeatHeartbeat

    BeatHeartbeat.objects.update_or_create(identity=identity, defaults={"seen_at": now})
    BeatHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    reap_abandoned(now)


def slot_of(periodic_task, now):
    """The crontab fire time beat is sending a workflow's task for: the latest one at or
    before beat's own clock. The worker records it as the run's slot, so neither a
    worker's clock skew nor a long wait in the queue can move a run to another slot."""
    from .engine import schedule_slot

    if not periodic_task.task.startswith("workflow."):
        return None
    return schedule_slot(periodic_task, now)


class WorkflowScheduler(DatabaseScheduler):
    def __init__(self, *args, **kwargs):
        self._identity = f"{socket.gethostname()} pid {os.getpid()}"
        self._last_heartbeat = 0.0
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        interval = settings.BEAT_HEARTBEAT_SECONDS
        if time.monotonic() - self._last_heartbeat >= interval:
            try:
                close_old_connections()
                write_heartbeat(self._identity, timezone.now())
                self._last_heartbeat = time.monotonic()
            except Exception:  # beat must keep scheduling even if the heartbeat fails
                logger.exception("beat heartbeat not written")
        return min(super().tick(*args, **kwargs), interval)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        # The entry is advanced first (as Celery does); the slot goes into the kwargs of
        # this one message only (ModelEntry cannot be copied; kwargs are never saved).
        if advance:
            entry = self.reserve(entry)
        slot = slot_of(entry.model, timezone.now())
        if slot is None:
            return super().apply_async(entry, producer, advance=False, **kwargs)
        kwargs_before = entry.kwargs
        entry.kwargs = {**kwargs_before, "slot": slot.isoformat()}
        try:
            return super().apply_async(entry, producer, advance=False, **kwargs)
        finally:
            entry.kwargs = kwargs_before
