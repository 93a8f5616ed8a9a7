#!/usr/bin/env python
"""Django's command-line utility for administrative tasks.

A bad setting (an environment variable the settings refuse) stops every command with
one line on stderr, exit code 4, and with --json one JSON object (README, "Command
line"); --traceback shows the traceback instead."""

import json
import os
import sys

EXIT_UNAVAILABLE = 4


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        if "--traceback" in sys.argv:
            raise
        name = sys.argv[1] if len(sys.argv) > 1 else "manage.py"
        reason = "bad setting: " + (str(exc).strip().splitlines() or ["ImproperlyConfigured"])[0]
        sys.stderr.write(f"{name}: error: {reason}\n")
        if "--json" in sys.argv:
            error = {"status": "error", "command": name, "reason": reason, "exit_code": EXIT_UNAVAILABLE}
            sys.stdout.write(json.dumps(error) + "\n")
        sys.exit(EXIT_UNAVAILABLE)


if __name__ == "__main__":
    main()
