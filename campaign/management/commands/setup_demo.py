import secrets
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command, get_commands
from django.db import transaction
from django.utils import timezone

from campaign import cleanup, roles
from campaign.commands import PlatformCommand
from campaign.models import Recipient
from workflows.api import Role, Trigger, get_spec, run_by_name, sync_workflows

DEMO_DATA_COMMAND = "generate_data"
BACKFILL_COMMAND = "backfill_active_profiles"


class Command(PlatformCommand):
    help = (
        "Prepare a demo platform (idempotent): seed the roles and the workflows, create "
        "the administrator with a generated password printed once, and load the demo "
        "data set when the recipients table is empty."
    )

    def add_command_arguments(self, parser):
        parser.add_argument("--username", default="admin", help="administrator's user name (admin)")
        parser.add_argument("--email", default="admin@example.com", help="administrator's email")
        parser.add_argument("--no-data", action="store_true", help="do not load the demo data set")

    def run(self, *, username, email, no_data, **options):
        roles.seed(apps, with_permissions=True)
        created = sync_workflows()
        self.say(f"Roles seeded; workflows synchronised ({len(created)} new).")
        self.outcome = {"workflows_created": len(created)}
        self.create_administrator(username, email)
        if not no_data:
            self.load_demo_data()
        return self.outcome, []

    def load_demo_data(self):
        if DEMO_DATA_COMMAND not in get_commands():
            self.say(f"No demo data: the {DEMO_DATA_COMMAND} command is not installed.")
        elif Recipient.objects.exists():
            self.say("Demo data: recipients already exist, nothing loaded.")
        else:
            self.say("Loading the demo data set…")
            self.outcome["demo_data"] = True
            call_command(DEMO_DATA_COMMAND, "--preset", "demo", stdout=self.progress, stderr=self.stderr)
            self.backfill()
            self.first_counts()
            self.settle()

    def backfill(self):
        """A month of daily active-profile counts, backfilled from the logs of each date
        (before they are purged), so that Customer metrics shows a history."""
        if BACKFILL_COMMAND in get_commands():
            call_command(BACKFILL_COMMAND, "--days", "30", stdout=self.progress, stderr=self.stderr)

    def settle(self):
        """A running platform has run its cleanup every day: run it once, as of yesterday,
        so that today's first dry run deletes one day's worth, not most of the data."""
        lines = []
        job = cleanup.run_steps(timezone.now() - timedelta(days=1), log=lines.append)
        self.say(
            f"Demo data settled like a running platform's: cleanup as of yesterday ({job.batches} batches)."
        )

    def first_counts(self):
        """Run the active profile count once through the engine, so that Customer
        metrics and the run history show figures from the start."""
        spec = get_spec("billingActiveContactCount")
        if spec is None:  # the reporting app is not installed
            return
        run = run_by_name(spec.name, trigger=Trigger.COMMAND)
        self.outcome["first_count"] = {"run": run.pk, "status": run.status}
        self.say(f"First active profile count: run #{run.pk} {run.status}.")

    @transaction.atomic
    def create_administrator(self, username, email):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.say(
                f"Administrator {username!r} already exists; password unchanged "
                f"(reset it with: manage.py changepassword {username})."
            )
            return
        # Shown once and stored only as a hash: it cannot be printed again.
        password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email=email, password=password)
        user.groups.add(Group.objects.get(name=Role.ADMINISTRATORS.group_name))
        self.outcome["administrator"] = {"username": username, "password": password}
        banner = "=" * 64
        self.say(
            self.style.SUCCESS(
                f"{banner}\n"
                f"  Administrator created: {username} / {password}\n"
                f"  This password is shown once. Log in at /admin/ and keep it.\n"
                f"{banner}"
            )
        )
