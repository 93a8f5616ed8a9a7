"""Benchmarks of tracking (`manage.py benchmark openPixel tracking`).

openPixel: the open pixel's throughput under gunicorn on loopback, against a minimal
Django view returning the same GIF, served by the same gunicorn in the same run
(benchmark_site.py). `prepare()` makes a delivery, its log, its open URL and a token,
then starts gunicorn (GUNICORN_WORKERS workers of GUNICORN_THREADS threads, DEBUG off); each side is wrk
(WRK_THREADS threads, WRK_CONNECTIONS connections) sending REQUESTS requests, stopped
by a Lua script once they are answered, so the framework's times are the times of the
same number of requests: the ratio ours/baseline is the baseline's throughput over
ours (target ≤ 1/0.7, i.e. our throughput ≥ 0.7 × the minimal view's). Both must answer
every request 200 with the GIF; ours must have written exactly one raw hit per request.
At tiny scale without wrk installed (the test suite on a machine without it), a small
Python client sends the requests instead; full scale needs wrk (apt-get install wrk).

tracking: consolidation of 1 million raw hits (step 1 of the workflow: tracking logs,
5-minute statistics, hits marked consumed) in batches, against the best single
transaction we could write by hand for the same tracking logs and statistics. Data:
campaign.devtools.datagen (recipients, deliveries, delivery logs, tracking URLs, hits), every hit
pending and naming its delivery log as the endpoint writes it.
"""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from campaign.choices import LogStatus, TrackingKind
from campaign.devtools import datagen
from campaign.devtools.benchmarking import Benchmark, register
from campaign.devtools.ports import free_port
from campaign.devtools.processes import child_env
from campaign.models import Channel, Delivery, DeliveryLog, TrackingHit, TrackingUrl

from . import consolidation, tokens, user_agents
from .benchmark_site import BASELINE_PATH
from .conf import tracking_settings
from .models import TrackingLog, TrackingPointer, TrackingStatistic, UserAgent
from .sql import bucket
from .views import PIXEL

STATE = Path(settings.VAR_DIR) / "bench" / "openPixel.json"
REQUESTS = {"full": 40_000, "tiny": 300}
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 4
WRK_THREADS = 2
WRK_CONNECTIONS = 8
WRK_STOP = """
local answered, wanted = 0, WANTED
function response(status, headers, body)
  answered = answered + 1
  if answered >= wanted then wrk.thread:stop() end
end
"""


def _state():
    return json.loads(STATE.read_text())


def _get(port, path):
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        client.request("GET", path, headers={"User-Agent": "bench"})
        response = client.getresponse()
        return response.status, response.read()
    finally:
        client.close()


def _python_load(port, path, total, connections):
    """The fallback client: `connections` threads share `total` GET requests."""
    counts = {"ok": 0, "bad": 0}
    lock = threading.Lock()
    # Every request is sent: the first `total % connections` threads send one more.
    base, extra = divmod(total, connections)
    shares = [base + (1 if index < extra else 0) for index in range(connections)]

    def work(share):
        for _ in range(share):
            status, body = _get(port, path)
            with lock:
                counts["ok" if status == 200 and body == PIXEL else "bad"] += 1

    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    answered = counts["ok"] + counts["bad"]
    rate = round(answered / (time.perf_counter() - began), 1)
    return {"requests": answered, "errors": counts["bad"], "rate": rate, "tool": "python"}


def _threads_left(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except FileNotFoundError:
        return 0


def _wrk(port, path, total):
    """wrk sending `total` requests: each thread stops itself after its share (WRK_STOP);
    wrk's main thread would then sleep out its -d, so it is interrupted (SIGINT, which
    makes it report at once) as soon as its threads are gone."""
    per_thread = total // WRK_THREADS
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_STOP.replace("WANTED", str(per_thread)))
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", "-d600s", "--latency", "-s", script.name]
    process = subprocess.Popen(
        [*command, f"http://127.0.0.1:{port}{path}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = time.monotonic()
    # First its threads start (its SIGINT handler is set by then), then they stop.
    while process.poll() is None and _threads_left(process.pid) <= WRK_THREADS:
        if time.monotonic() - started > 30:
            raise RuntimeError("wrk did not start its threads")
        time.sleep(0.001)
    while process.poll() is None and _threads_left(process.pid) > 1:
        time.sleep(0.002)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    Path(script.name).unlink()
    if process.returncode not in (0, -signal.SIGINT) or "requests in" not in out:
        raise RuntimeError(f"wrk failed: {err or out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.MULTILINE))
    return {
        "requests": requests,
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "rate": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "latency_p50": latency.get("50", ""),
        "latency_p99": latency.get("99", ""),
        "tool": "wrk",
    }


def _load(side, path):
    state = _state()
    if state["tool"] == "wrk":
        outcome = _wrk(state["port"], path, state["requests"])
    else:
        outcome = _python_load(state["port"], path, state["requests"], WRK_CONNECTIONS)
    state[side] = outcome
    STATE.write_text(json.dumps(state))
    return outcome


def _hits_written(delivery, requests):
    """The raw hits of the run, once the web workers' buffers (hits.py) have been
    written: a few flush intervals at most."""
    deadline = time.monotonic() + 10
    while True:
        written = TrackingHit.objects.filter(delivery_id=delivery).count()
        if written >= requests or time.monotonic() > deadline:
            return written
        time.sleep(0.1)


@register
class OpenPixel(Benchmark):
    name = "openPixel"
    description = (
        "open pixel under gunicorn (wrk on loopback) vs a minimal Django view returning the same GIF"
    )
    baseline_sql = (
        "-- no SQL: the baseline is a Django view returning the same GIF, same gunicorn, same run\n"
        "-- ours: verify the token (HMAC-SHA256), then buffer the hit; each web worker writes its\n"
        "-- buffer every TRACKING_HIT_BUFFER_MS with one COPY campaign_trackinghit (…) FROM STDIN"
    )
    target_ratio = round(1 / 0.7, 2)  # time for the same requests: our throughput >= 0.7 × baseline's
    target_memory_mb = None
    vendors = ("postgresql", "sqlite")

    def prepare(self, scale):
        total = REQUESTS[scale]
        tool = "wrk" if shutil.which("wrk") else "python"
        if tool == "python" and scale == "full":
            raise RuntimeError("openPixel needs wrk at full scale: apt-get install wrk")
        now = datetime.now(UTC)
        delivery = Delivery.objects.create(
            label="openPixel benchmark",
            channel=Channel.objects.get(code="email"),
            created_at=now,
            started_at=now,
        )
        log = DeliveryLog.objects.create(
            delivery=delivery,
            profile_table=delivery.profile_table,
            profile_id=1,
            status=LogStatus.SENT,
            event_at=now,
        )
        opened = TrackingUrl.objects.create(
            delivery=delivery, kind=TrackingKind.OPEN, url="https://t.example.com/"
        )
        key = "benchmark-tracking-key-" + "k" * 40
        conf = tracking_settings()
        conf = type(conf)(True, key, (), conf.token_max_age_days, conf.base_url)
        token = tokens.make(
            tokens.Hit(delivery.pk, log.pk, opened.pk, "open", delivery.profile_table, 1), conf
        )
        port = free_port()
        STATE.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "port": port,
            "requests": total - total % WRK_THREADS,
            "tool": tool,
            "delivery": delivery.pk,
            "pixel": f"/p/tracking/o/{token}.gif",
            "baseline": f"/{BASELINE_PATH}",
        }
        env = child_env(
            TRACKING_BENCHMARK_SITE="1",
            DEBUG="false",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            TRACKING_ENABLED="true",
            TRACKING_SIGNING_KEY=key,
        )
        env.pop("DJANGO_SETTINGS_MODULE", None)  # the site's own settings, not the tests'
        self.server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "campaign.tracking.benchmark_wsgi:application",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(GUNICORN_WORKERS),
                # Threads: a connection wrk leaves open when it stops does not hold a worker.
                "-k",
                "gthread",
                "--threads",
                str(GUNICORN_THREADS),
                # Each worker takes its share of wrk's connections and no more: left free,
                # one worker could take most of them and a run would measure one core
                # instead of two (the minimal view moved between 1,690 and 2,760
                # requests/s from run to run).
                "--worker-connections",
                str(WRK_CONNECTIONS // GUNICORN_WORKERS),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        state["server_pid"] = self.server.pid
        STATE.write_text(json.dumps(state))
        self._wait_ready(state)
        self.figures["requests per side"] = f"{state['requests']:,} ({tool}, {WRK_CONNECTIONS} connections)"

    def _wait_ready(self, state):
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(state["port"], state["baseline"])
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.server.poll() is not None:
                raise RuntimeError("gunicorn did not start for openPixel")
            time.sleep(0.2)
        # Warm every worker on both paths (imports, database connection, templates).
        warming = GUNICORN_WORKERS * 20
        for _ in range(warming):
            assert _get(state["port"], state["pixel"])[0] == 200
            assert _get(state["port"], state["baseline"])[0] == 200
        _hits_written(state["delivery"], warming)  # out of the buffers before they go
        TrackingHit.objects.filter(delivery_id=state["delivery"]).delete()

    def run_ours(self):
        outcome = _load("ours", _state()["pixel"])
        return {"ours: throughput (requests/s)": outcome.get("rate", "")}

    def reset(self):
        pass  # the baseline writes nothing; ours' hits are counted in result()

    def run_baseline(self):
        outcome = _load("baseline", _state()["baseline"])
        self.figures["baseline: throughput (requests/s)"] = outcome.get("rate", "")

    def result(self):
        state = _state()
        side = state.get("baseline") if isinstance(state.get("baseline"), dict) else state.get("ours")
        if isinstance(state.get("ours"), dict) and not isinstance(state.get("baseline"), dict):
            written = _hits_written(state["delivery"], side["requests"])
            # Requests in flight when wrk stopped are answered (and written) uncounted.
            if not side["requests"] <= written <= side["requests"] + WRK_CONNECTIONS:
                raise RuntimeError(f"openPixel: {written} raw hits written for {side['requests']} requests")
            self.figures["ours: raw hits written"] = written
        return {"every request answered": side["requests"] >= state["requests"], "errors": side["errors"]}

    def teardown(self):
        state = _state() if STATE.exists() else {}
        server = getattr(self, "server", None)
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        ours, baseline = state.get("ours"), state.get("baseline")
        if (
            isinstance(ours, dict)
            and isinstance(baseline, dict)
            and ours.get("rate")
            and baseline.get("rate")
        ):
            self.figures["throughput ratio ours/baseline (target >= 0.7)"] = round(
                ours["rate"] / baseline["rate"], 3
            )
            if "latency_p50" in ours:  # wrk's; the fallback client measures none
                self.figures["latency p50 / p99"] = (
                    f"ours {ours['latency_p50']} / {ours['latency_p99']}, "
                    f"baseline {baseline['latency_p50']} / {baseline['latency_p99']}"
                )
        if state.get("delivery"):
            TrackingHit.objects.filter(delivery_id=state["delivery"]).delete()
            TrackingUrl.objects.filter(delivery_id=state["delivery"]).delete()
            DeliveryLog.objects.filter(delivery_id=state["delivery"]).delete()
            Delivery.objects.filter(pk=state["delivery"]).delete()
        STATE.unlink(missing_ok=True)


# --- Consolidation --------------------------------------------------------------------

CONSOLIDATION_COUNTS = {
    "full": {
        "recipients": 200_000,
        "deliveries": 2_000,
        "delivery_logs": 2_000_000,
        "tracking_urls": 10_000,
        "tracking_hits": 1_000_000,
    },
    "tiny": {
        "recipients": 200,
        "deliveries": 40,
        "delivery_logs": 2_000,
        "tracking_urls": 60,
        "tracking_hits": 400,
    },
}
GENERATED_AT = datetime(2026, 1, 1, tzinfo=UTC)
RUN_AT = GENERATED_AT + timedelta(hours=1)
SAVED = "bench_tracking_hits"

HITS, LOGS_TABLE, STATS_TABLE = "campaign_trackinghit", "tracking_trackinglog", "tracking_trackingstatistic"
BASELINE_LOGS = f"""
INSERT INTO {LOGS_TABLE} (hit_id, delivery_id, delivery_log_id, profile_table, profile_id, url_id, kind,
                         tracked_at, user_agent_id)
SELECT h.id, h.delivery_id, h.delivery_log_id, h.profile_table, h.profile_id, h.url_id, h.kind, h.hit_at, a.id
FROM {HITS} h
JOIN campaign_delivery d ON d.id = h.delivery_id AND NOT d.deleted
JOIN campaign_trackingurl u ON u.id = h.url_id AND u.delivery_id = h.delivery_id
LEFT JOIN tracking_useragent a ON a.text = h.user_agent
WHERE h.consolidated_at IS NULL
ON CONFLICT (hit_id) DO NOTHING
"""
BASELINE_STATS = f"""
INSERT INTO {STATS_TABLE} (delivery_id, url_id, kind, bucket, hits)
SELECT delivery_id, url_id, kind, {{bucket}}, COUNT(*) FROM {LOGS_TABLE}
GROUP BY delivery_id, url_id, kind, {{bucket}}
ON CONFLICT (delivery_id, url_id, kind, bucket) DO UPDATE SET hits = {STATS_TABLE}.hits + excluded.hits
"""
BASELINE_MARK = f"UPDATE {HITS} SET consolidated_at = %s WHERE consolidated_at IS NULL"


def _empty_tracking():
    with connection.cursor() as cursor:
        for model in (TrackingLog, TrackingStatistic, UserAgent, TrackingPointer):
            cursor.execute(f"DELETE FROM {model._meta.db_table}")


@register
class Tracking(Benchmark):
    name = "tracking"
    description = "tracking: consolidate 1 M raw hits into tracking logs and 5-minute statistics, in batches"
    baseline_sql = (
        "-- one transaction; new user agents added and parsed first (the same few strings)\n"
        + BASELINE_LOGS.strip()
        + ";\n"
        + BASELINE_STATS.format(
            bucket="to_timestamp(floor(extract(epoch FROM tracked_at) / 300) * 300)"
        ).strip()
        + ";\n"
        + BASELINE_MARK.replace("%s", "now").strip()
        + ";"
    )
    target_ratio = 1.5
    target_memory_mb = 200
    vendors = ("postgresql",)

    def prepare(self, scale):
        counts = CONSOLIDATION_COUNTS[scale]
        generated = datagen.generate(counts, seed=5, now=GENERATED_AT, truncate=True)
        self.figures["data generation s"] = round(generated.total_seconds, 1)
        _empty_tracking()
        with connection.cursor() as cursor:
            # Every hit pending and naming its delivery log, as the endpoint writes them.
            cursor.execute(
                f"UPDATE {HITS} h SET consolidated_at = NULL, delivery_log_id = l.id "
                "FROM campaign_deliverylog l WHERE l.delivery_id = h.delivery_id "
                "AND l.profile_table = h.profile_table AND l.profile_id = h.profile_id"
            )
            cursor.execute(f"UPDATE {HITS} SET consolidated_at = NULL WHERE consolidated_at IS NOT NULL")
            cursor.execute(f"DROP TABLE IF EXISTS {SAVED}")
            cursor.execute(f"CREATE TABLE {SAVED} AS SELECT * FROM {HITS}")
            cursor.execute(f"VACUUM ANALYZE {HITS}")
            cursor.execute(f"SELECT COUNT(*), COUNT(delivery_log_id) FROM {HITS}")
            total, with_log = cursor.fetchone()
        self.figures["raw hits"] = f"{total:,} pending ({with_log:,} naming their delivery log)"

    def run_ours(self):
        lines = []
        totals = consolidation.consolidate(RUN_AT, 50_000, log=lines.append)
        return {
            "ours: batches": totals.batches,
            "ours: longest transaction (s)": round(totals.longest_batch, 3),
            "ours: consolidated / skipped": f"{totals.consolidated:,} / {totals.skipped:,}",
        }

    def reset(self):
        _empty_tracking()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {HITS}")
            cursor.execute(f"INSERT INTO {HITS} SELECT * FROM {SAVED}")
            cursor.execute(f"VACUUM ANALYZE {HITS}")

    def run_baseline(self):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            user_agents.add_from(cursor, HITS, "b.consolidated_at IS NULL", RUN_AT)
            user_agents.parse_new()
            cursor.execute(BASELINE_LOGS)
            cursor.execute(BASELINE_STATS.format(bucket=bucket("tracked_at")))
            cursor.execute(BASELINE_MARK, [RUN_AT])
        self.figures["baseline: one transaction (s)"] = round(time.perf_counter() - started, 3)

    def result(self):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(hit_id), 0), COALESCE(SUM(profile_id), 0), "
                f"COUNT(DISTINCT user_agent_id), COUNT(delivery_log_id) FROM {LOGS_TABLE}"
            )
            logs, hit_sum, profile_sum, agents, with_log = cursor.fetchone()
            cursor.execute(
                f"SELECT COUNT(*), COALESCE(SUM(hits), 0), MIN(bucket), MAX(bucket) FROM {STATS_TABLE}"
            )
            stats, stat_hits, first, last = cursor.fetchone()
            cursor.execute(f"SELECT COUNT(*) FROM {HITS} WHERE consolidated_at IS NULL")
            pending = cursor.fetchone()[0]
        return {
            "tracking_logs": logs,
            "hit_id_sum": int(hit_sum),
            "profile_id_sum": int(profile_sum),
            "user_agents": agents,
            "with_delivery_log": with_log,
            "statistics_rows": stats,
            "statistics_hits": int(stat_hits),
            "first_bucket": str(first),
            "last_bucket": str(last),
            "hits_pending": pending,
        }

    def teardown(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {SAVED}")
