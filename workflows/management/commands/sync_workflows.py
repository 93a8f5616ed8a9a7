from django.core.management.base import BaseCommand

from workflows.sync import sync_workflows


class Command(BaseCommand):
    help = "Create every registered workflow's row and beat schedule (keeps edited schedules)."

    def handle(self, *args, **options):
        created = sync_workflows()
        self.stdout.write(f"Workflows synchronised; created: {', '.join(created) or 'none'}")
