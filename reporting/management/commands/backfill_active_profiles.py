"""`manage.py backfill_active_profiles [--days 30]`: daily active-profile counts for the
past days that have none, counted straight from the logs and messages of each date."""

from django.utils import timezone

from campaign.commands import PlatformCommand, usage_error
from reporting.backfill import backfill
from reporting.conf import reporting_settings


class Command(PlatformCommand):
    help = (
        "Store a backfilled active-profile snapshot for each of the last DAYS days that has none, counted "
        "from the delivery logs and messages of that date (they must not be purged yet)."
    )

    def add_command_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="how many past days (30)")

    def run(self, *, days, **options):
        if not 1 <= days <= 366:
            raise usage_error("--days must be between 1 and 366")
        stored = backfill(timezone.now(), days, reporting_settings().window_months)
        return {"stored": stored, "days": days}, [
            f"{stored} backfilled daily counts stored ({days} days looked at)."
        ]
