"""Beat's scheduler: django-celery-beat's DatabaseScheduler that also writes beat's own
heartbeat and reaps abandoned runs, so screens and /healthz know beat is alive, and
puts the slot it fires for into each workflow message. (`slots` computes slots;
`sync` creates the schedules beat reads.)"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from .engine import reap_abandoned
from .models import BeatHeartbeat
from .slots import latest_fire_of_task

logger = logging.getLogger(__name__)


def write_heartbeat(identity: str, now: datetime) -> None:
    BeatHeartbeat.objects.update_or_create(identity=identity, defaults={"seen_at": now})
    BeatHeartbeat.objects.filter(seen_at__lt=now - timedelta(days=1)).delete()
    reap_abandoned(now)


def slot_sent_for(periodic_task: PeriodicTask, now: datetime) -> datetime | None:
    """The crontab fire time beat is sending a workflow's task for: the latest one at or
    before beat's own clock. The worker records it as the run's slot, so neither a
    worker's clock skew nor a long wait in the queue can move a run to another slot."""
    if not periodic_task.task.startswith("workflow."):
        return None
    return latest_fire_of_task(periodic_task, now)


class WorkflowScheduler(DatabaseScheduler):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._identity = f"{socket.gethostname()} pid {os.getpid()}"
        self._last_heartbeat = 0.0
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = settings.BEAT_HEARTBEAT_SECONDS
        if time.monotonic() - self._last_heartbeat >= interval:
            try:
                close_old_connections()
                write_heartbeat(self._identity, timezone.now())
                self._last_heartbeat = time.monotonic()
            except Exception:  # beat must keep scheduling even if the heartbeat fails
                logger.exception("beat heartbeat not written")
        return min(super().tick(*args, **kwargs), interval)

    def apply_async(self, entry: Any, producer: Any = None, advance: bool = True, **kwargs: Any) -> Any:
        # The entry is advanced first (as Celery does); the slot goes into the kwargs of
        # this one message only (ModelEntry cannot be copied; kwargs are never saved).
        if advance:
            entry = self.reserve(entry)
        slot = slot_sent_for(entry.model, timezone.now())
        if slot is None:
            return super().apply_async(entry, producer, advance=False, **kwargs)
        kwargs_before = entry.kwargs
        entry.kwargs = {**kwargs_before, "slot": slot.isoformat()}
        try:
            return super().apply_async(entry, producer, advance=False, **kwargs)
        finally:
            entry.kwargs = kwargs_before
