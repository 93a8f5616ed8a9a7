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
