import contextlib
import os
import signal
import subprocess
import time

from django.conf import settings

from campaign.commands import PlatformCommand, failed
from campaign.devtools.processes import BASE_DIR, celery_cmd, die_with_parent, manage_py, signal_group
from workflows import plugins
from workflows.api import workflow_queues

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# Celery's warm shutdown lets a running task finish; past this, the rest is killed.
GRACE_SECONDS = 20


def declared_queues():
    """The queues the installed workflows run on, then those the apps declare for their
    workers; Celery's default queue when there is none (a worker needs one)."""
    found = list(workflow_queues())
    found += [queue.name for queue in plugins.queues() if queue.name not in found]
    return found or [settings.CELERY_TASK_DEFAULT_QUEUE]


class Command(PlatformCommand):
    help = (
        "Run the web server, a Celery worker and Celery beat together in the foreground "
        "(`make run`). Ctrl-C stops all three; if one of them dies, the others are stopped."
    )
    requires_system_checks = []

    def add_command_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="web address (127.0.0.1:8000)")
        parser.add_argument(
            "--queues",
            help="worker queues, comma-separated (default: those of the installed workflows and the "
            "worker queues the apps declare)",
        )
        parser.add_argument("--concurrency", type=int, default=2, help="worker processes (2)")

    def run(self, *, addr, queues, concurrency, **options):
        queues = queues or ",".join(declared_queues())
        run_dir = settings.VAR_DIR / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        commands = {
            "web": manage_py("runserver", addr),
            "worker": [
                *celery_cmd("worker"), "--loglevel", "INFO", "--queues", queues,
                "--concurrency", str(concurrency), "--hostname", "worker@%h",
            ],
            # The pidfile refuses a second beat started from this checkout by mistake.
            "beat": [*celery_cmd("beat"), "--loglevel", "INFO", "--pidfile", str(run_dir / "beat.pid")],
        }  # fmt: skip
        self.stopping = 0
        for signum in STOP_SIGNALS:
            signal.signal(signum, self.on_signal)
        children = {}
        try:
            for name, argv in commands.items():
                children[name] = subprocess.Popen(
                    argv,
                    cwd=BASE_DIR,
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                    stdin=subprocess.DEVNULL,
                    # Its own process group: stopping it reaches the prefork pool and
                    # runserver's autoreloader child too.
                    start_new_session=True,
                    preexec_fn=die_with_parent,  # single-threaded: safe
                )
            self.say(
                f"Web http://{addr}/admin/ (pid {children['web'].pid}), worker on {queues} "
                f"(pid {children['worker'].pid}), beat (pid {children['beat'].pid}). Ctrl-C stops all."
            )
            died = self.watch(children)
        finally:
            self.stop(children)
        if died:
            raise failed(f"{died} exited (code {children[died].returncode}); stopped the others.")
        return {"stopped": list(children)}, ["Stopped web, worker and beat."]

    def on_signal(self, signum, frame):
        self.stopping += 1

    def watch(self, children):
        """Wait for a stop signal (returns None) or a child that exits (returns its name)."""
        while not self.stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    return name
            time.sleep(0.3)
        return None

    def stop(self, children):
        running = {name: child for name, child in children.items() if child.poll() is None}
        if running:
            self.say(f"Stopping {', '.join(running)}…")
        for name, child in running.items():
            if name == "worker":
                # Only the main process: its warm shutdown lets the pool finish its tasks.
                child.send_signal(signal.SIGTERM)
            else:
                # The whole group: runserver's autoreloader parent would orphan its server.
                signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        # A second Ctrl-C skips the grace period.
        while time.monotonic() < deadline and self.stopping < 2:
            if all(child.poll() is not None for child in running.values()):
                break
            time.sleep(0.2)
        for child in children.values():
            signal_group(child.pid, signal.SIGKILL)  # leftovers of each group, if any
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(5)
