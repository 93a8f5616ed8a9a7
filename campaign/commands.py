"""The base class of this project's management commands: one-line errors, documented
exit codes, and with --json exactly one JSON object on stdout, success or failure.

    class Command(PlatformCommand):
        def add_command_arguments(self, parser): ...
        def run(self, **options):
            ...                      # raise CommandError("why", returncode=EXIT_USAGE)
            return {"rows": 12}, ["12 rows written"]   # JSON object, text lines

Exit codes (README, "Command line"):
  0 done; 1 the work failed (e.g. a workflow run failed); 2 bad arguments or input;
  3 skipped (another run holds the workflow); 4 something outside the command is
  unavailable (database, broker, a bad setting); 5 an unexpected error (a bug: rerun
  with --traceback).
A failure writes one line on stderr ("<command>: error: <reason>"), never a password,
and a traceback only with --traceback.
"""

import io
import json
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, SystemCheckError, handle_default_options
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
)
from kombu.exceptions import OperationalError as BrokerError
from kombu.utils.url import maybe_sanitize_url  # Celery's own URL masking

from .celery import app

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3
EXIT_UNAVAILABLE = 4
EXIT_BUG = 5


def database_place():
    """Where the database is, without credentials: "postgresql 127.0.0.1:5432/app"."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite {settings['NAME']}"
    host = settings.get("HOST") or "localhost"
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"{connection.vendor} {host}{port}/{settings.get('NAME')}"


def broker_place():
    """The broker URL without its password."""
    return maybe_sanitize_url(app.conf.broker_url or "")


def database_reachable():
    """Whether the database answers a new connection now (an OperationalError may also
    be a bad statement); the command's own connection is left as it is."""
    probe = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        probe.ensure_connection()
        return True
    except Exception:
        return False
    finally:
        probe.close()


def first_line(exc):
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:400]


def describe(exc):
    """(one-line reason, exit code) for a failure outside the command's own logic."""
    if isinstance(exc, (OperationalError, InterfaceError)) and not database_reachable():
        return f"database unavailable ({database_place()}): {first_line(exc)}", EXIT_UNAVAILABLE
    if isinstance(exc, DatabaseError):
        return f"database error ({database_place()}): {first_line(exc)}", EXIT_FAILED
    if isinstance(exc, BrokerError | ConnectionError):
        return f"broker unavailable ({broker_place()}): {first_line(exc)}", EXIT_UNAVAILABLE
    if isinstance(exc, ImproperlyConfigured):
        return f"bad setting: {first_line(exc)}", EXIT_UNAVAILABLE
    return f"unexpected error {type(exc).__name__}: {first_line(exc)} (rerun with --traceback)", EXIT_BUG


class PlatformCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print exactly one JSON object")
        self.add_command_arguments(parser)

    def add_command_arguments(self, parser):
        """Subclasses add their own arguments here."""

    def run(self, **options):
        """Do the work; return (a JSON-able dict, lines of text) or None."""
        raise NotImplementedError

    def say(self, text):
        """A progress line, as it happens; kept off stdout with --json (its one object)."""
        if not self.quiet:
            self.stdout.write(text)

    @property
    def progress(self):
        """Where a called command writes its progress: our stdout, or nowhere with --json."""
        return io.StringIO() if self.quiet else self.stdout

    def handle(self, *args, **options):
        self.quiet = bool(options.get("json"))
        outcome = self.run(**options)
        data, lines = outcome if outcome is not None else ({}, [])
        if options.get("json"):
            self.stdout.write(json.dumps({"status": "ok", **data}, default=str))
        else:
            for line in lines:
                self.stdout.write(line)
        return None

    def execute(self, *args, **options):
        """Outside failures become a CommandError with a readable line and its exit code
        (call_command raises it; the command line prints it)."""
        try:
            return super().execute(*args, **options)
        except CommandError:
            raise
        except Exception as exc:
            if options.get("traceback"):
                raise
            reason, code = describe(exc)
            raise failed(reason, code) from exc

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.called_from_command_line = False  # argument errors raise CommandError (exit 2)
        return parser

    def run_from_argv(self, argv):
        self._called_from_command_line = True
        wants_json, traceback = "--json" in argv, "--traceback" in argv
        try:
            parser = self.create_parser(argv[0], argv[1])
            options = parser.parse_args(argv[2:])
            handle_default_options(options)
            arguments = vars(options)
            positional = arguments.pop("args", ())
            self.execute(*positional, **arguments)
        except CommandError as exc:
            if traceback:
                raise
            self.fail(argv[1], *reason_and_code(exc), wants_json)
        finally:
            try:
                connections.close_all()
            except ImproperlyConfigured:
                pass

    def fail(self, name, reason, code, wants_json):
        self.stderr.write(f"{name}: error: {reason}")
        if wants_json:
            self.stdout.write(
                json.dumps({"status": "error", "command": name, "reason": reason, "exit_code": code})
            )
        sys.exit(code)


def reason_and_code(exc):
    """A CommandError's line and exit code: a plain CommandError (Django's own, argument
    errors) is a usage error; failed() and describe() give theirs."""
    if isinstance(exc, SystemCheckError):
        return " ".join(str(exc).split()), EXIT_UNAVAILABLE
    code = getattr(exc, "exit_code", None) or (
        exc.returncode if exc.returncode != EXIT_FAILED else EXIT_USAGE
    )
    # Django's parser prefixes its argument errors with "Error: "; ours say "error:" once.
    return first_line(exc).removeprefix("Error: "), code


def usage_error(reason):
    """A CommandError for bad arguments or input (exit 2)."""
    return CommandError(reason, returncode=EXIT_USAGE)


def failed(reason, code=EXIT_FAILED):
    """A CommandError for work that failed (exit 1, or the code given)."""
    error = CommandError(reason, returncode=code)
    error.exit_code = code
    return error
