"""Benchmarks: each workflow against the best hand-written SQL for the same result.

A benchmark is a class registered with `@register`; `manage.py benchmark` runs it:
1. `prepare(scale)` loads the data set (scale "full" or "tiny", see `generate_data`);
2. `run_ours()` runs our implementation in a fresh child process, so that the peak
   memory reported (ru_maxrss) is the workflow's own;
3. `reset()` brings the data back to the prepared state (for destructive steps);
4. `run_baseline()` runs `baseline_sql` in this process, timed;
5. `result()` is read after each of the two and both must be equal, or it fails;
6. `teardown()` drops what `prepare()` left beside the data, even after a failure.
The ratio ours/baseline and the peak memory are printed with the baseline SQL; a
benchmark may add figures of its own to `self.figures` (e.g. longest transaction).
"""

import json
import resource
import subprocess
import time
from dataclasses import dataclass, field

from .processes import child_env, manage_py

REGISTRY = {}
# Each scale's sizes are those of a campaign.devtools.datagen preset.
SCALES = {"full": "bench", "tiny": "tiny"}


def register(cls):
    REGISTRY[cls.name] = cls
    return cls


@dataclass
class Outcome:
    name: str
    scale: str
    ours_seconds: float
    baseline_seconds: float
    peak_memory_mb: float
    same_result: bool
    ours_result: object
    baseline_result: object
    figures: dict = field(default_factory=dict)
    target_ratio: float | None = None
    target_memory_mb: float | None = None

    @property
    def ratio(self):
        return self.ours_seconds / self.baseline_seconds if self.baseline_seconds else float("inf")


class Benchmark:
    name = ""
    description = ""
    baseline_sql = ""
    target_ratio = None
    target_memory_mb = 200
    vendors = ("postgresql",)

    def __init__(self):
        self.figures = {}

    def prepare(self, scale):
        raise NotImplementedError

    def run_ours(self):
        """Runs in the child process; may return figures (a dict) to report."""
        raise NotImplementedError

    def reset(self):
        """Restore the prepared state before the baseline; default: prepare again."""
        self.prepare(self.scale)

    def run_baseline(self):
        raise NotImplementedError

    def result(self):
        """A JSON-able value both runs must agree on (counts, checksums)."""
        raise NotImplementedError

    def teardown(self):
        """Drop what `prepare()` created beside the data (default: nothing)."""


def generate_data(scale, tables, seed, now):
    """Empty the generated tables, then fill `tables` (keys of generated tables, e.g.
    "delivery_logs") as the preset of `scale` does; the other tables stay empty.
    Returns datagen's Result (GenerationError names a table nobody declares)."""
    from . import datagen

    preset = datagen.preset_counts(SCALES[scale])
    counts = {table: preset.get(table, 0) for table in tables}
    return datagen.generate(counts, seed=seed, now=now, truncate=True)


def run_child(name):
    """`manage.py benchmark --child NAME`: run ours, print timing, figures and peak RSS."""
    bench = REGISTRY[name]()
    start = time.perf_counter()
    figures = bench.run_ours() or {}
    elapsed = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": elapsed, "peak_memory_mb": peak_kb / 1024, "figures": figures}


def run(name, scale="full"):
    bench = REGISTRY[name]()
    bench.scale = scale
    try:
        bench.prepare(scale)
        completed = subprocess.run(
            manage_py("benchmark", "--child", name), env=child_env(), capture_output=True, text=True
        )
        if completed.returncode != 0:
            raise RuntimeError(f"benchmark {name}: our run failed:\n{completed.stderr[-4000:]}")
        child = json.loads(completed.stdout.strip().splitlines()[-1])
        ours_result = bench.result()
        bench.reset()
        start = time.perf_counter()
        bench.run_baseline()
        baseline_seconds = time.perf_counter() - start
        baseline_result = bench.result()
    finally:
        bench.teardown()
    return Outcome(
        name=name,
        scale=scale,
        ours_seconds=child["seconds"],
        baseline_seconds=baseline_seconds,
        peak_memory_mb=child["peak_memory_mb"],
        same_result=ours_result == baseline_result,
        ours_result=ours_result,
        baseline_result=baseline_result,
        figures={**bench.figures, **child["figures"]},
        target_ratio=bench.target_ratio,
        target_memory_mb=bench.target_memory_mb,
    )
