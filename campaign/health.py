"""/healthz: database, broker and beat liveness as JSON, for monitoring.

Public on purpose (monitors do not log in); it reveals only up/down and ages.
HTTP 200 when all three are up, 503 otherwise.
"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from workflows.api import beat_last_seen

from .celery import app


def database_status():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": str(exc).splitlines()[0]}


def broker_status():
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": conn.transport_cls}
    except Exception as exc:
        return {"ok": False, "error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}


def beat_status(now=None):
    now = now or timezone.now()
    try:
        last = beat_last_seen()
    except Exception as exc:
        return {"ok": False, "error": str(exc).splitlines()[0]}
    if last is None:
        return {"ok": False, "last_seen": None, "age_seconds": None}
    age = (now - last).total_seconds()
    return {
        "ok": age <= settings.BEAT_STALE_SECONDS,
        "last_seen": last.isoformat(),
        "age_seconds": round(age),
        "stale_after_seconds": settings.BEAT_STALE_SECONDS,
    }


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status(), "beat": beat_status()}
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"ok": ok, **checks}, status=200 if ok else 503)
