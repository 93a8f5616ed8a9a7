import dataclasses
import json

from django.db import connection
from django.utils.module_loading import autodiscover_modules

from campaign.commands import PlatformCommand, failed, usage_error
from campaign.devtools import benchmarking


class Command(PlatformCommand):
    help = (
        "Run the benchmarks (all, or those named): each workflow against the best "
        "hand-written SQL for the same result, with the ratio and peak memory."
    )

    def add_command_arguments(self, parser):
        parser.add_argument("names", nargs="*")
        parser.add_argument("--scale", choices=sorted(benchmarking.SCALES), default="full")
        parser.add_argument("--child", metavar="NAME", help="internal: run our side of one benchmark")

    def run(self, *, names, scale, child, **options):
        quiet = options["json"]  # the one JSON object only
        autodiscover_modules("benchmarks")  # each app's benchmarks.py registers its own
        if child:
            # The parent reads this one line; it is not the command's --json output.
            self.stdout.write(json.dumps(benchmarking.run_child(child)))
            return None
        unknown = set(names) - set(benchmarking.REGISTRY)
        if unknown:
            raise usage_error(
                f"Unknown benchmark(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(benchmarking.REGISTRY))}"
            )
        results, skipped, differing = [], [], []
        for name in names or sorted(benchmarking.REGISTRY):
            cls = benchmarking.REGISTRY[name]
            if connection.vendor not in cls.vendors:
                skipped.append(name)
                if not quiet:
                    self.stdout.write(f"{name}: skipped, needs {' or '.join(cls.vendors)}")
                continue
            outcome = benchmarking.run(name, scale)
            if not outcome.same_result:
                differing.append(name)
            results.append({**dataclasses.asdict(outcome), "ratio": outcome.ratio})
            if not quiet:  # each report as soon as it is measured: a full run takes long
                self.report(cls, outcome)
        if differing:
            raise failed(f"result differs from the baseline's: {', '.join(differing)}")
        return {"benchmarks": results, "skipped": skipped}, []

    def report(self, cls, o):
        w = self.stdout.write
        w(f"== {o.name} ({o.scale}): {cls.description}")
        w(
            f"   ours      {o.ours_seconds:10.3f} s   peak memory {o.peak_memory_mb:.0f} MB"
            + (f"   (target <= {o.target_memory_mb} MB)" if o.target_memory_mb else "")
        )
        w(f"   baseline  {o.baseline_seconds:10.3f} s")
        w(f"   ratio     {o.ratio:10.2f}" + (f"   (target <= {o.target_ratio})" if o.target_ratio else ""))
        for key, value in o.figures.items():
            w(f"   {key}: {value}")
        w(f"   same result: {o.same_result} ({json.dumps(o.ours_result)[:200]})")
        w("   baseline SQL:")
        for line in cls.baseline_sql.strip().splitlines():
            w(f"     {line}")
