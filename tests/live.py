"""Real Celery worker and beat processes for the `live` tests.

Children run `python -m celery -A campaign worker|beat` with campaign.settings_test
(so they know the test workflows of tests/fixture_workflows) against the database this
pytest process uses (campaign.devtools.processes.child_env builds its DATABASE_URL) and the
broker of the environment (CELERY_BROKER_URL / CELERY_BROKER_DIR). Each child gets its
own process group, so stopping or killing it reaches the prefork pool too, and it is
told to die with pytest (PR_SET_PDEATHSIG) so that even a killed test run leaves no
worker behind.
"""

import contextlib
import signal
import subprocess
import time
from pathlib import Path

import pytest

# Short heartbeats so that a dead worker or beat shows within seconds, not minutes.
# The timeout leaves room for a heartbeat write that waits on SQLite's write lock.
WORKFLOW_HEARTBEAT_SECONDS = 1
WORKFLOW_HEARTBEAT_TIMEOUT = 8
BEAT_HEARTBEAT_SECONDS = 1
QUEUES = ("default", "long")
VICTIM_QUEUE = "live-victim"


def wait_until(predicate, timeout, message, interval=0.2, children=()):
    """Poll `predicate` until it returns something truthy; return that, or fail with
    `message` and the tail of the children's logs."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            logs = "\n".join(child.tail() for child in children)
            pytest.fail(f"{message} (waited {timeout} s)\n{logs}", pytrace=False)
        time.sleep(interval)


class Child:
    """One celery process (and its pool) in its own process group, logging to a file."""

    def __init__(self, name, argv, env, log_dir):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = Path(log_dir) / f"{name}.log"
        self.process = None

    def start(self):
        from campaign.devtools.processes import BASE_DIR, die_with_parent

        self._log = open(self.log_path, "wb")  # closed in stop() or kill()
        self.process = subprocess.Popen(
            self.argv,
            cwd=BASE_DIR,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,  # no other thread forks meanwhile
        )
        return self

    @property
    def pid(self):
        return self.process.pid

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines=40):
        text = "\n".join(self.log().splitlines()[-lines:])
        return f"--- {self.name} (pid {self.pid}, {'alive' if self.alive() else 'exited'}) ---\n{text}"

    def wait_for_log(self, text, timeout=30):
        def seen():
            if not self.alive():
                pytest.fail(f"{self.name} exited early\n{self.tail()}", pytrace=False)
            return text in self.log()

        wait_until(seen, timeout, f"{self.name} never logged {text!r}", children=[self])
        return self

    def _signal_group(self, signum):
        from campaign.devtools.processes import signal_group

        signal_group(self.process.pid, signum)

    def stop(self, timeout=20):
        """SIGTERM to the main process (celery's warm shutdown: the pool finishes its
        tasks), then SIGKILL for whatever is left of the group."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # The pool's processes may outlive their parent by a moment: kill the group.
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self._log.close()

    def kill(self):
        """SIGKILL the whole process group at once: the prefork parent and its pool."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(10)
        self._log.close()


def celery_env(**extra):
    from campaign.devtools.processes import BASE_DIR, child_env

    settings = {
        "DJANGO_SETTINGS_MODULE": "campaign.settings_test",
        "PYTHONPATH": str(BASE_DIR),
        "WORKFLOW_HEARTBEAT_SECONDS": WORKFLOW_HEARTBEAT_SECONDS,
        "WORKFLOW_HEARTBEAT_TIMEOUT": WORKFLOW_HEARTBEAT_TIMEOUT,
        "BEAT_HEARTBEAT_SECONDS": BEAT_HEARTBEAT_SECONDS,
        "LOG_LEVEL": "WARNING",
    }
    return child_env(**{**settings, **extra})


def worker(name, log_dir, queues=QUEUES, concurrency=2, **env):
    from campaign.devtools.processes import celery_cmd

    argv = [
        *celery_cmd("worker"),
        "--pool", "prefork", "--concurrency", str(concurrency),
        "--queues", ",".join(queues), "--hostname", f"{name}@%h",
        "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    child = Child(name, argv, celery_env(**env), log_dir).start()
    try:
        return child.wait_for_log(" ready.", timeout=60)
    except BaseException:
        child.stop()
        raise


def beat(name, log_dir, **env):
    """Start beat and wait until its scheduler has written its first heartbeat."""
    from campaign.devtools.processes import celery_cmd
    from workflows.models import BeatHeartbeat

    argv = [
        *celery_cmd("beat"),
        "--loglevel", "INFO", "--pidfile=", "--max-interval", "1",
    ]  # fmt: skip
    child = Child(name, argv, celery_env(**env), log_dir).start()

    def heartbeat_written():
        if not child.alive():
            pytest.fail(f"{name} exited early\n{child.tail()}", pytrace=False)
        return BeatHeartbeat.objects.filter(identity__endswith=f" pid {child.pid}").exists()

    try:
        wait_until(heartbeat_written, 60, f"{name} wrote no heartbeat", children=[child])
    except BaseException:
        child.stop()
        raise
    return child


def purge_queues(queues):
    """Drop messages a previous, interrupted session left on the test broker."""
    from campaign.celery import app

    with app.connection_for_write() as conn:
        channel = conn.default_channel
        for queue in queues:
            with contextlib.suppress(Exception):  # a queue never declared has nothing to purge
                channel.queue_purge(queue)


class Barrier:
    """The file the testBarrier workflow waits for: close() holds runs, open() releases."""

    def __init__(self, path):
        self.path = Path(path)

    def close(self):
        self.path.unlink(missing_ok=True)

    def open(self):
        self.path.touch()


@pytest.fixture(scope="session")
def live_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("live")


@pytest.fixture(scope="session")
def barrier(live_dir):
    gate = Barrier(live_dir / "barrier")
    gate.open()
    yield gate
    gate.open()  # let any run still waiting finish before its worker stops


@pytest.fixture(scope="session")
def live_worker(django_db_setup, django_db_blocker, live_dir, barrier):
    """One prefork worker (2 processes, queues default and long) for the whole session."""
    with django_db_blocker.unblock():
        purge_queues([*QUEUES, VICTIM_QUEUE])
        child = None
        try:
            child = worker("live-worker", live_dir, TEST_BARRIER_FILE=barrier.path)
            yield child
        finally:
            if child is not None:
                barrier.open()
                child.stop()
