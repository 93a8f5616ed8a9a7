import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from workflows.choices import RunStatus, Trigger
from workflows.engine import execute
from workflows.registry import all_specs, get_spec

EXIT_CODES = {RunStatus.SUCCEEDED: 0, RunStatus.FAILED: 1, RunStatus.SKIPPED: 3}


class Command(BaseCommand):
    help = (
        "Run one technical workflow now, synchronously, through the engine (same run "
        "ledger and exactly-once rule as beat). Exit code: 0 succeeded, 1 failed, "
        "3 skipped (another run holds the workflow)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="internal name, e.g. cleanupPausedWorkflows")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what a run would do now and change nothing"
        )

    def handle(self, *args, name, **options):
        spec = get_spec(name)
        if spec is None:
            known = ", ".join(s.name for s in all_specs())
            raise CommandError(f"Unknown workflow {name!r}. Installed workflows: {known}")
        if options["dry_run"]:
            if spec.preview is None:
                raise CommandError(f"{name} has no dry run: only running it shows what it does.")
            self.stdout.write(spec.preview(timezone.now()))
            return
        run = execute(spec, trigger=Trigger.COMMAND)
        duration = run.duration.total_seconds() if run.duration else None
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "workflow": name,
                        "run": run.pk,
                        "status": run.status,
                        "duration_seconds": duration,
                        "metrics": run.metrics,
                        "error": run.error,
                    }
                )
            )
        else:
            self.stdout.write(f"{name} run #{run.pk}: {run.status}")
            if duration is not None:
                self.stdout.write(f"duration: {duration:.2f} s")
            for key, value in sorted(run.metrics.items()):
                self.stdout.write(f"  {key}: {value}")
            if run.error:
                self.stdout.write(f"reason: {run.error}")
        sys.exit(EXIT_CODES.get(run.status, 1))
