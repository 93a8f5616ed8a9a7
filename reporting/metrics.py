"""What the Customer metrics screen shows, computed from the stored snapshots."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from campaign.choices import ProfileTable
from campaign.models import Channel

from .models import ActiveProfileSnapshot

RANGES = {"30d": 30, "1y": 366}
WARNING_SHARE = 90  # percent of the allowance


@dataclass
class Allowance:
    allowance: int
    used: int

    @property
    def share(self):
        return round(100 * self.used / self.allowance, 1) if self.allowance else None

    @property
    def level(self):
        """ "over" above 100 %, "warning" above 90 %, else "ok"."""
        if not self.allowance:
            return "none"
        if self.used > self.allowance:
            return "over"
        if self.used * 100 > self.allowance * WARNING_SHARE:
            return "warning"
        return "ok"


def daily_series(now, days):
    """The last snapshot of each local day over the last `days` days, oldest first."""
    snapshots = (
        ActiveProfileSnapshot.objects.since(now - timedelta(days=days))
        .order_by("computed_at", "id")
        .values_list("computed_at", "total")
    )
    per_day = {}
    for computed_at, total in snapshots.iterator():  # a few per day at most
        per_day[timezone.localtime(computed_at).date()] = total
    return sorted(per_day.items())


def backfilled_days(now, days):
    """The local days of the range whose last snapshot was backfilled (reporting.backfill)."""
    snapshots = (
        ActiveProfileSnapshot.objects.since(now - timedelta(days=days))
        .order_by("computed_at", "id")
        .values_list("computed_at", "backfilled")
    )
    last = {}
    for computed_at, backfilled in snapshots.iterator():  # a few per day at most
        last[timezone.localtime(computed_at).date()] = backfilled
    return {day for day, backfilled in last.items() if backfilled}


def definition(window_months, excluded_labels):
    months = ngettext("%(n)d month", "%(n)d months", window_months) % {"n": window_months}
    excluded = ", ".join(excluded_labels) or _("none")
    return [
        _(
            "A profile is active when a delivery targeted it, or a message reached it, on any channel "
            "in the %(months)s before the count, whatever the status of the delivery log."
        )
        % {"months": months},
        _("Channels that do not count: %(channels)s.") % {"channels": excluded},
        _("Transactional (Message Center) messages sent to a known profile count as well."),
        _(
            "Each profile table is counted on its own: the same person as a recipient and as an "
            "external profile counts twice. A profile counts once in its table however many "
            "deliveries reached it."
        ),
        _(
            "A profile active on two channels appears under both in the per-channel breakdown, so the "
            "channel figures can add up to more than the total."
        ),
    ]


def screen(snapshot, allowance):
    """Rows of the breakdowns of a snapshot."""
    labels = dict(ProfileTable.choices)
    tables = []
    for table, label in labels.items():
        active = snapshot.per_table.get(table, 0)
        profiles = snapshot.profiles_per_table.get(table, 0)
        tables.append(
            {
                "table": table,
                "label": label,
                "active": active,
                "profiles": profiles,
                "share": round(100 * active / profiles, 1) if profiles else None,
                "linked": snapshot.linked_to_recipient.get(table),
            }
        )
    channel_labels = dict(Channel.objects.values_list("code", "label"))
    channels = [
        {"code": code, "label": channel_labels.get(code, code), "active": n}
        for code, n in sorted(snapshot.per_channel.items(), key=lambda item: -item[1])
    ]
    excluded = [channel_labels.get(code, code) for code in snapshot.excluded_channels]
    return {
        "tables": tables,
        "channels": channels,
        "allowance": Allowance(allowance, snapshot.total),
        "definition": definition(snapshot.window_months, excluded),
    }
