"""Environment for child processes (worker, beat, benchmark phases) that must use the
same database as this process, including a test database created by pytest."""

import contextlib
import ctypes
import os
import signal
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)


def database_url():
    """A DATABASE_URL naming the database this process is connected to right now."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{database['PORT']}" if database.get("PORT") else ""
    return f"postgres://{auth}{database.get('HOST') or '127.0.0.1'}{port}/{database['NAME']}"


def child_env(**extra):
    env = dict(os.environ)
    env["DATABASE_URL"] = database_url()
    env["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE", "campaign.settings")
    env["PYTHONUNBUFFERED"] = "1"
    env.update({key: str(value) for key, value in extra.items()})
    return env


def manage_py(*args):
    """argv for `python manage.py ARGS` with this interpreter."""
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def celery_cmd(*args):
    """argv for `celery -A campaign ARGS` with this interpreter."""
    return [sys.executable, "-m", "celery", "-A", "campaign", *args]


def die_with_parent():
    """In a child, before exec (Popen preexec_fn): get SIGTERM when the parent dies,
    even by SIGKILL, so that no worker or beat outlives its launcher."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def signal_group(pid, signum):
    """Signal a child's whole process group (a prefork pool, runserver's reloader)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signum)
