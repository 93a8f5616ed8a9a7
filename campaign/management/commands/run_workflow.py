"""`manage.py run_workflow NAME [--option KEY[=VALUE] …]`: run one technical workflow
now, synchronously, through the engine (same run ledger and exactly-once rule as beat).
Options reach the workflow through campaign.run_options."""

import sys

from django.utils import timezone

from campaign import run_options
from campaign.commands import EXIT_FAILED, EXIT_OK, EXIT_SKIPPED, PlatformCommand, usage_error
from workflows.api import RunStatus, Trigger, all_specs, get_spec, run_by_name

EXIT_CODES = {RunStatus.SUCCEEDED: EXIT_OK, RunStatus.FAILED: EXIT_FAILED, RunStatus.SKIPPED: EXIT_SKIPPED}


class Command(PlatformCommand):
    help = (
        "Run one technical workflow now, synchronously, through the engine (same run ledger and "
        "exactly-once rule as beat). Exit code: 0 succeeded, 1 failed, 2 bad arguments, 3 skipped "
        "(another run holds the workflow), 4 database or broker unavailable or a bad setting."
    )

    def add_command_arguments(self, parser):
        parser.add_argument("name", help="internal name, e.g. cleanupPausedWorkflows")
        parser.add_argument(
            "--dry-run", action="store_true", help="print what a run would do now and change nothing"
        )
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY[=VALUE]",
            dest="workflow_options",
            help="an option for this run, read by the workflow (e.g. aliasCleansing: --option full-hits)",
        )

    def run(self, *, name, dry_run, workflow_options=(), **options):
        spec = get_spec(name)
        if spec is None:
            known = ", ".join(s.name for s in all_specs())
            raise usage_error(f"Unknown workflow {name!r}. Installed workflows: {known}")
        try:
            given = run_options.parse(workflow_options)
        except ValueError as exc:
            raise usage_error(str(exc)) from None
        if dry_run:
            if spec.preview is None:
                raise usage_error(f"{name} has no dry run: only running it shows what it does.")
            text = spec.preview(timezone.now())
            return {"workflow": name, "dry_run": True, "preview": text}, [text]
        with run_options.passing(given) as passed:
            run = run_by_name(name, trigger=Trigger.COMMAND)
        duration = run.duration.total_seconds() if run.duration else None
        data = {
            "workflow": name,
            "run": run.pk,
            "status": run.status,
            "duration_seconds": duration,
            "metrics": run.metrics,
            "error": run.error,
        }
        lines = [f"{name} run #{run.pk}: {run.status}"]
        if duration is not None:
            lines.append(f"duration: {duration:.2f} s")
        lines += [f"  {key}: {value}" for key, value in sorted(run.metrics.items())]
        if run.error:
            lines.append(f"reason: {run.error}")
        if given and not passed.read and run.status != RunStatus.SKIPPED:
            data["options_ignored"] = sorted(given)
            lines.append(f"warning: {name} reads no option; ignored: {', '.join(sorted(given))}")
        self.exit_code = EXIT_CODES.get(run.status, EXIT_FAILED)
        return data, lines

    def handle(self, *args, **options):
        self.exit_code = None
        super().handle(*args, **options)
        if self.exit_code is not None:
            sys.exit(self.exit_code)
