"""Retention settings ("Deployment wizard › Purge data"): the data classes, their
cutoffs, and the policy stated back in plain sentences.

The numbers live in the PurgeSettings row (campaign.models); this module turns them
into cutoffs (`now - days`) for cleanup and into sentences for the settings screen.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .choices import StatisticsMode

# Quarantine upkeep (Adobe §5.2): an address "with errors" returns to valid after this
# many quiet days, or after MAILBOX_FULL_DAYS when its last error was "mailbox full"
# (NmsCleanup_QuarantineMailboxFull).
QUARANTINE_QUIET_DAYS = 10
MAILBOX_FULL_DAYS = 30


@dataclass(frozen=True)
class DataClass:
    """One retention setting: its field on PurgeSettings, its screen label, Adobe's
    option and the sentence that states the policy (`%(days)s` = "180 days")."""

    field: str
    label: str
    option: str
    sentence: str


DATA_CLASSES = (
    DataClass(
        "deleted_deliveries_days",
        _("Deleted deliveries"),
        "NmsCleanup_RecycledDeliveryPurgeDelay",
        _(
            "A deleted delivery is purged %(days)s after its deletion, with all its delivery logs, "
            "tracking hits, offer propositions and tracking URLs."
        ),
    ),
    DataClass(
        "delivery_logs_days",
        _("Delivery logs"),
        "NmsCleanup_BroadLogPurgeDelay",
        _("Delivery logs are deleted %(days)s after their last event."),
    ),
    DataClass(
        "tracking_logs_days",
        _("Tracking logs"),
        "NmsCleanup_TrackingLogPurgeDelay",
        _("Tracking logs are deleted %(days)s after the hit they record."),
    ),
    DataClass(
        "consolidated_tracking_days",
        _("Consolidated tracking"),
        "NmsCleanup_TrackingStatPurgeDelay",
        _("Consolidated tracking statistics are deleted %(days)s after the period they cover."),
    ),
    DataClass(
        "raw_hits_days",
        _("Raw tracking hits (consolidated)"),
        "-",
        _(
            "Raw tracking hits are deleted %(days)s after their consolidation; hits not consolidated "
            "yet are never deleted."
        ),
    ),
    DataClass(
        "import_rejects_days",
        _("Import rejects"),
        "NmsCleanup_RejectsPurgeDelay",
        _("Import rejects are deleted %(days)s after the import."),
    ),
    DataClass(
        "propositions_days",
        _("Offer propositions"),
        "NmsCleanup_PropositionPurgeDelay",
        _("Offer propositions are deleted %(days)s after they were made."),
    ),
    DataClass(
        "events_days",
        _("Message Center events"),
        "NmsCleanup_EventPurgeDelay",
        _("Message Center events are deleted %(days)s after they arrived."),
    ),
    DataClass(
        "event_statistics_days",
        _("Statistics of event processing"),
        "NmsCleanup_EventStatPurgeDelay",
        _("Statistics of event processing are deleted after %(days)s."),
    ),
    DataClass(
        "archived_events_days",
        _("Archived events"),
        "NmsCleanup_EventHistoPurgeDelay",
        _("Archived Message Center events are deleted after %(days)s."),
    ),
    DataClass(
        "forecast_logs_days",
        _("Forecast logs of past deliveries"),
        "-",
        _("Forecast logs are deleted %(days)s after their delivery's planned date."),
    ),
)


def days_text(days):
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def retention_days(purge, field):
    """Days kept for a data class, or None (kept forever). Refuses anything below 1
    here as well, so a bad row written behind the form's back cannot purge it all."""
    days = getattr(purge, field)
    if days is not None and days < 1:
        raise ValueError(f"retention {field} is {days}: below 1 day, refused")
    return days


def cutoff(purge, field, now):
    """Rows older than this are purged; None when the data class is kept forever."""
    days = retention_days(purge, field)
    return None if days is None else now - timedelta(days=days)


def policy_sentences(purge, purged_fields):
    """The policy in plain sentences, in the order of the screen. `purged_fields` are the
    retention fields some cleanup step uses; the others have no table here yet."""
    sentences = []
    for data_class in DATA_CLASSES:
        days = getattr(purge, data_class.field)
        if days is None:
            text = _("%(label)s are kept forever (no retention set).") % {"label": data_class.label}
        else:
            text = data_class.sentence % {"days": days_text(days)}
        if data_class.field not in purged_fields:
            text = "{} {}".format(text, _("(This platform has no such table yet: nothing to purge.)"))
        sentences.append(text)
    sentences.append(
        _(
            "Each technical workflow keeps its journal and runs for its own “History in days” "
            "(Technical workflows screen; 0 keeps them forever)."
        )
    )
    sentences.append(
        _(
            "Pending delivery logs of deliveries whose validity has ended become “Cancelled”, and "
            "those deliveries become “Finished”."
        )
    )
    sentences.append(
        _(
            "An address “with errors” returns to valid after a later success, after %(quiet)s "
            "without errors, or after %(full)s when its last error was “mailbox full”. Addresses in "
            "quarantine or denylisted are never released automatically."
        )
        % {"quiet": days_text(QUARANTINE_QUIET_DAYS), "full": days_text(MAILBOX_FULL_DAYS)}
    )
    sentences.append(_("Expired sessions are deleted."))
    stats = {
        StatisticsMode.VACUUM_ANALYZE: _(
            "Afterwards the purged tables get VACUUM (ANALYZE) on PostgreSQL, ANALYZE on SQLite "
            "(never VACUUM FULL)."
        ),
        StatisticsMode.ANALYZE: _("Afterwards the purged tables get ANALYZE (statistics only)."),
        StatisticsMode.NONE: _("Table statistics are not refreshed by cleanup."),
    }
    sentences.append(stats[purge.statistics_mode])
    sentences.append(
        _("Rows are deleted or changed %(size)s at a time, each batch in its own transaction.")
        % {"size": f"{purge.batch_size:,}"}
    )
    return sentences
