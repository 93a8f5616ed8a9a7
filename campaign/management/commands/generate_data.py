"""`manage.py generate_data`: fill the database with a consistent synthetic data set."""

from dataclasses import fields, replace
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from campaign import datagen


class Command(BaseCommand):
    help = (
        "Generate a consistent synthetic data set (profiles, deliveries and logs, tracking, Message Center "
        "events, offers, propositions, quarantine) from a preset and/or counts and a seed, set-based in the "
        "database. Same seed and counts on the same starting state give the same data."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--preset", choices=sorted(datagen.PRESETS), default="demo", help="base counts (default: demo)"
        )
        for f in fields(datagen.Counts):
            parser.add_argument(
                f"--{f.name.replace('_', '-')}", dest=f.name, type=int, metavar="N", help=f"rows of {f.name}"
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

    def handle(self, *args, preset, seed, now, truncate, **options):
        overrides = {
            f.name: options[f.name] for f in fields(datagen.Counts) if options.get(f.name) is not None
        }
        counts = replace(datagen.PRESETS[preset], **overrides)
        moment = self.parse_now(now) if now else timezone.now()
        out = self.stdout if options["verbosity"] >= 1 else None
        try:
            datagen.generate(counts, seed=seed, now=moment, stdout=out, truncate=truncate)
        except datagen.GenerationError as error:
            raise CommandError(str(error)) from None

    @staticmethod
    def parse_now(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise CommandError(
                f"--now must be an ISO date or datetime (e.g. 2026-03-01T12:00), not {text!r}"
            ) from None
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
