"""`manage.py makecatalogs`: update each app's own French catalog (<app>/locale/), so
that parallel work on two apps never edits one catalog.

Django's makemessages, run over the project, sends a file's messages to the nearest
`locale/` above it. Templates live in the top-level templates/ folder, so this command
sends templates/<app label>/… and templates/emails/<app label>-… to that app's catalog,
and the rest of templates/ (admin/, shared frames) to the core's. Obsolete messages
are dropped. `make messages` runs it, then compilemessages.
"""

import os
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.commands import makemessages

IGNORED = [".venv", "node_modules", "var", "tests", "staticfiles", "test-results"]
CORE = "campaign"


def our_apps():
    """{label: folder} of the installed apps that live in this project."""
    base = Path(settings.BASE_DIR).resolve()
    found = {}
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if base in path.parents and not path.is_relative_to(base / "tests"):
            found[config.label] = path
    return found


class Command(makemessages.Command):
    help = "Update each app's French catalog (<app>/locale/fr) from its code and its templates."

    def handle(self, *args, **options):
        options.update(locale=options["locale"] or ["fr"], no_obsolete=True)
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        self.app_folders = our_apps()
        for folder in self.app_folders.values():
            (folder / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
        os.chdir(settings.BASE_DIR)
        return super().handle(*args, **options)

    def owner_of_template(self, path):
        """The label of the app a template belongs to (the core when unclear)."""
        parts = Path(path).parts
        if len(parts) >= 3 and parts[0] == "templates":
            if parts[1] == "emails":
                name = parts[2]
                owners = [label for label in self.app_folders if name.startswith(f"{label}-")]
                return max(owners, key=len) if owners else CORE
            if parts[1] in self.app_folders:
                return parts[1]
        return CORE

    def find_files(self, root):
        files = super().find_files(root)
        routed = []
        for translatable in files:
            path = os.path.normpath(translatable.path)
            if path.startswith("templates" + os.sep):
                owner = self.app_folders[self.owner_of_template(path)]
                translatable = self.translatable_file_class(
                    translatable.dirpath, translatable.file, str(owner / "locale")
                )
            routed.append(translatable)
        return sorted(routed)
