"""`manage.py sync_workflows`: create every registered workflow's row and schedule."""

from campaign.commands import PlatformCommand
from workflows.api import sync_workflows


class Command(PlatformCommand):
    help = "Create every registered workflow's row and beat schedule (keeps edited schedules)."

    def run(self, **options):
        created = sync_workflows()
        return {"created": created}, [f"Workflows synchronised; created: {', '.join(created) or 'none'}"]
