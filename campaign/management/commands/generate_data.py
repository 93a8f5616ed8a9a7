"""`manage.py generate_data`: fill the database with a consistent synthetic data set."""

from datetime import datetime

from django.utils import timezone

from campaign.commands import PlatformCommand, usage_error
from campaign.devtools import datagen
from workflows.plugins import generated_tables


def option_name(key):
    """The command-line option of a generated table: delivery_logs -> --delivery-logs."""
    return f"--{key.replace('_', '-')}"


class Command(PlatformCommand):
    help = (
        "Generate a consistent synthetic data set (the tables the installed apps declare, one count "
        "option each) from a preset and/or counts and a seed, set-based in the database. Same seed and "
        "counts on the same starting state give the same data."
    )

    def add_command_arguments(self, parser):
        parser.add_argument(
            "--preset", choices=sorted(datagen.PRESETS), default="demo", help="base counts (default: demo)"
        )
        for table in generated_tables():
            parser.add_argument(
                option_name(table.key), dest=table.key, type=int, metavar="N", help=f"rows of {table.label}"
            )
        parser.add_argument(
            "--seed", type=int, default=1, help="seed of the pseudo-random values (default: 1)"
        )
        parser.add_argument(
            "--now", help="ISO date or datetime the data is relative to (default: now); naive = TIME_ZONE"
        )
        parser.add_argument(
            "--truncate",
            action="store_true",
            help="empty the generated tables (and every table with a foreign key to them) first",
        )

    def run(self, *, preset, seed, now, truncate, **options):
        overrides = {
            table.key: options[table.key]
            for table in generated_tables()
            if options.get(table.key) is not None
        }
        moment = self.parse_now(now) if now else timezone.now()
        # With --json, the progress lines would spoil the one JSON object.
        out = self.stdout if options["verbosity"] >= 1 and not options["json"] else None
        try:
            counts = datagen.preset_counts(preset, **overrides)
            datagen.generate(counts, seed=seed, now=moment, stdout=out, truncate=truncate)
        except datagen.GenerationError as error:
            raise usage_error(str(error)) from None
        return {"counts": counts, "seed": seed, "now": moment.isoformat()}, []

    @staticmethod
    def parse_now(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise usage_error(
                f"--now must be an ISO date or datetime (e.g. 2026-03-01T12:00), not {text!r}"
            ) from None
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
