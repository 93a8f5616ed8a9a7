"""The hot path: append one raw hit (no join, no update, no lookup).

The hit time is the request's own clock (the workflow's `now` rule is for business
rules, not for stamping an event as it happens).

On PostgreSQL, outside a transaction (a web server's request), the hit goes into this
process's buffer and the answer goes out at once: a flusher thread writes the buffer
with one COPY every TRACKING_HIT_BUFFER_MS (50 ms by default), so a request pays
neither a database round trip nor a commit. Measured with wrk (openPixel benchmark, 2
cores, gunicorn 2 workers × 4 threads): one synchronously committed INSERT per hit gave
0.31 of the minimal view's throughput, one asynchronously committed INSERT 0.56–0.58
(when the minimal view had both cores), the buffer written by multi-row INSERTs
0.62–0.81, by COPY 0.77–0.90. What a process holds is written when it stops (SIGTERM,
a graceful restart of the web server: atexit), so only a process killed outright
(SIGKILL, a crash) loses the hits of its last interval at most; while the database
cannot be reached the hits stay buffered (up to TRACKING_HIT_BUFFER_LIMIT, then the
oldest are dropped, and logged).

TRACKING_HIT_BUFFER_MS = 0, SQLite, or a call inside a transaction (tests, a
workflow): one plain INSERT, committed with the caller's work."""

import atexit
import io
import logging
import os
import threading

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
)
from django.utils import timezone

from campaign.models import TrackingHit

from .tokens import Hit

log = logging.getLogger(__name__)

USER_AGENT_MAX = TrackingHit._meta.get_field("user_agent").max_length
COLUMNS = (
    "delivery_id",
    "delivery_log_id",
    "url_id",
    "profile_table",
    "profile_id",
    "kind",
    "hit_at",
    "user_agent",
)


def _statements():
    """The INSERT of one hit and the COPY of a buffer, built once from the core model."""
    quote = connection.ops.quote_name
    into = f"{quote(TrackingHit._meta.db_table)} ({', '.join(quote(column) for column in COLUMNS)})"
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    return f"INSERT INTO {into} VALUES ({placeholders})", f"COPY {into} FROM STDIN"


INSERT, COPY = _statements()
# COPY's text format: these characters of a text value are written escaped.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_line(row):
    delivery, log, url, table, profile, kind, at, user_agent = row
    log = "\\N" if log is None else log
    user_agent = user_agent.translate(COPY_ESCAPES)
    return f"{delivery}\t{log}\t{url}\t{table}\t{profile}\t{kind}\t{at.isoformat()}\t{user_agent}\n"


class HitBuffer:
    """This process's hits waiting for the flusher thread, which writes them with one
    COPY per interval (a third of a multi-row INSERT's cost per row, measured) on a
    database connection of its own (Django's are per thread). A forked child (a web
    server's worker) starts with an empty buffer and its own thread."""

    def __init__(self):
        self._rows = []
        self._lock = threading.Lock()  # guards _rows and _pid
        self._writing = threading.Lock()  # one write at a time (flusher thread or exit)
        self._pid = None
        self.dropped = 0

    def add(self, row, interval_ms, limit):
        """Buffer a hit, starting this process's flusher thread on its first one."""
        if self._pid != os.getpid():
            with self._lock:
                if self._pid != os.getpid():
                    self._start(interval_ms / 1000)
        self.keep(row, limit)

    def keep(self, row, limit):
        """Buffer a hit for the next flush; when `limit` hits wait already (the
        database has been unreachable for a while), the oldest one makes room."""
        with self._lock:
            # Hits put back by a failed flush may have overshot the limit meanwhile.
            excess = len(self._rows) + 1 - limit
            if excess > 0:
                del self._rows[:excess]
                self.dropped += excess
            self._rows.append(row)

    def pending(self):
        with self._lock:
            return len(self._rows)

    def _start(self, interval):
        self._pid = os.getpid()
        self._rows = []
        self._writing = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="tracking-hit-flusher", daemon=True
        )
        self._thread.start()

    def _run(self, interval):
        while not self._stopping.wait(interval):
            self.flush()
        self.flush()
        connection.close()

    def stop(self):
        """Stop this process's flusher thread after a last flush (at exit: atexit)."""
        if self._pid == os.getpid():
            self._pid = None
            self._stopping.set()
            self._thread.join(timeout=30)

    def flush(self):
        """Write what is buffered (one COPY, its own transaction). While the database
        cannot be reached the hits stay buffered for the next flush; hits the database
        refuses (it never should: the values come from verified tokens) are dropped
        and logged, so that they cannot block the ones after them. Returns how many
        hits were written."""
        with self._writing:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return 0
            data = io.StringIO("".join(map(_copy_line, rows)))
            try:
                # copy_expert is psycopg2's own: its errors are turned into Django's here.
                with connection.cursor() as cursor, connection.wrap_database_errors:
                    cursor.copy_expert(COPY, data)
            except (OperationalError, InterfaceError) as error:
                connection.close()  # the next flush reconnects
                with self._lock:
                    self._rows[:0] = rows  # before the hits that came meanwhile
                log.warning("tracking: %d raw hits kept in memory, not written yet: %s", len(rows), error)
                return 0
            except DatabaseError as error:
                log.error("tracking: %d raw hits dropped, refused by the database: %s", len(rows), error)
                return 0
            if self.dropped:
                log.error("tracking: %d raw hits dropped (the buffer was full)", self.dropped)
                self.dropped = 0
            return len(rows)


buffer = HitBuffer()
atexit.register(buffer.stop)


def hit_row(hit: Hit, user_agent: str, at):
    """The raw hit's values, in the order of COLUMNS."""
    # A NUL cannot be stored in a PostgreSQL text: it would make the write fail.
    user_agent = user_agent[:USER_AGENT_MAX].replace("\x00", "")
    return (
        hit.delivery_id,
        hit.delivery_log_id,
        hit.url_id,
        hit.profile_table,
        hit.profile_id,
        hit.kind,
        at,
        user_agent,
    )


def append(hit: Hit, user_agent: str, at=None):
    """Write (or buffer) the raw hit of an authentic, fresh token."""
    at = at or timezone.now()
    row = hit_row(hit, user_agent, at)
    db = connections[DEFAULT_DB_ALIAS]
    interval = settings.TRACKING_HIT_BUFFER_MS
    # Buffered outside a transaction only; asked without opening a connection, so that
    # the pixel answers even while the database is down (the flusher keeps trying).
    if (
        interval > 0
        and db.vendor == "postgresql"
        and not db.in_atomic_block
        and (db.connection is None or db.get_autocommit())
    ):
        buffer.add(row, interval, settings.TRACKING_HIT_BUFFER_LIMIT)
        return
    with db.cursor() as cursor:
        cursor.execute(INSERT, [*row[:6], db.ops.adapt_datetimefield_value(row[6]), row[7]])
