"""`make run` ends with `manage.py runall` (exec'd, so it is the process make started):
a SIGTERM or SIGINT sent to it, not only Ctrl-C in a terminal, stops web, worker and
beat, and leaves no process behind. Real processes on a throwaway SQLite file and
filesystem broker."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from campaign.devtools.ports import answers, free_port
from tests.live import wait_until

pytestmark = [pytest.mark.live, pytest.mark.slow]


def children_of(pid):
    """Every living descendant of `pid` (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_runall_stops_web_worker_and_beat_and_leaves_nothing(tmp_path, signum):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "campaign.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_DIR": str(tmp_path / "broker"),
        "CAMPAIGN_VAR_DIR": str(tmp_path / "var"),
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = free_port()
    runall = subprocess.Popen(
        [*manage, "runall", "--addr", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # like make: no terminal, no foreground process group
    )
    try:
        # Any answer will do: 503 until beat has written its heartbeat.
        wait_until(lambda: answers(f"http://127.0.0.1:{port}/healthz"), 60, "runall's web did not start", 0.5)
        time.sleep(3)  # the worker's pool and beat are up
        family = children_of(runall.pid)
        assert len(family) >= 4, family  # web (and its reloader), worker (and pool), beat
        os.kill(runall.pid, signum)
        assert runall.wait(60) == 0
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(pid) for pid in family):
            time.sleep(0.2)
        assert [pid for pid in family if alive(pid)] == []
    finally:
        if runall.poll() is None:
            os.killpg(runall.pid, signal.SIGKILL)
