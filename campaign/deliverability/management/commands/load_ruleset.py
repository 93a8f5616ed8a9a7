"""`manage.py load_ruleset [FILE]`: apply a ruleset file (offline installations), in one
transaction, exactly as deliverabilityUpdate applies a downloaded one."""

from django.utils import timezone

from campaign.commands import PlatformCommand, usage_error

from ... import rules


class Command(PlatformCommand):
    help = (
        "Apply a deliverability ruleset file (JSON, format version 1; default: the ruleset shipped with the "
        "platform). Ruleset rules are updated, added and retired in one transaction; custom rules are kept. "
        "A file that is not a valid ruleset changes nothing (exit code 2)."
    )

    def add_command_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(rules.DEFAULT_RULESET), help="the ruleset file")

    def run(self, *, file, **options):
        try:
            ruleset = rules.load_file(file)
        except rules.RulesetError as exc:
            raise usage_error(f"{file}: {exc}") from None
        applied = rules.apply(ruleset, timezone.now(), source=f"file {file}")
        return (
            {"file": file, "revision": ruleset.revision, **applied.metrics()},
            [f"Ruleset {ruleset.revision} applied from {file}: {applied.sentence()}"],
        )
