"""Test workflows' logic: a run that stays open until the test releases it.

The barrier is a file whose path the worker process gets in TEST_BARRIER_FILE; a
test deletes it to hold runs open and creates it to let them finish."""

import os
import time
from pathlib import Path

POLL_SECONDS = 0.1


def barrier_file():
    path = os.environ.get("TEST_BARRIER_FILE", "")
    return Path(path) if path else None


def wait(ctx, *, path=None, limit=None):
    """Block until the barrier file exists or `limit` seconds elapse (TEST_BARRIER_SECONDS,
    default 120): a forgotten barrier must not hold a worker forever."""
    path = path or barrier_file()
    limit = float(os.environ.get("TEST_BARRIER_SECONDS", 120)) if limit is None else limit
    started = time.monotonic()
    if path is not None and not path.exists():
        ctx.log(f"Waiting for {path}")
    while path is not None and not path.exists():
        if time.monotonic() - started >= limit:
            ctx.warning(f"Barrier not released within {limit:g} s")
            return {"released": 0, "waited_ms": round((time.monotonic() - started) * 1000)}
        time.sleep(POLL_SECONDS)
    return {"released": 1, "waited_ms": round((time.monotonic() - started) * 1000)}


def sleep(ctx, seconds=None):
    seconds = float(os.environ.get("TEST_SLEEP_SECONDS", 1)) if seconds is None else seconds
    time.sleep(seconds)
    return {"slept_ms": round(seconds * 1000)}
