"""Retention ("Deployment wizard › Purge data"): the declared data classes, their
stored periods, the cutoffs cleanup uses and the policy in plain sentences.

Each app declares the data classes of the tables it purges (`DataClass` in its
contributions.py); the periods are RetentionPeriod rows, one per class ever saved
(a class without a row has its declared default).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from workflows.plugins import DataClass, data_classes

from .choices import StatisticsMode
from .models import PurgeSettings, RetentionPeriod

# Quarantine upkeep (Adobe §5.2): an address "with errors" returns to valid after this
# many quiet days, or after MAILBOX_FULL_DAYS when its last error was "mailbox full"
# (NmsCleanup_QuarantineMailboxFull).
QUARANTINE_QUIET_DAYS = 10
MAILBOX_FULL_DAYS = 30
# Expired deliveries (Adobe §6 task 3): a delivery stopped within STOPPED_RECENT_DAYS with
# at least STOPPED_MIN_LEFT messages still to deliver (to deliver − processed, counters
# kept by the `tracking` workflow) is finished like one whose validity ended.
STOPPED_RECENT_DAYS = 15
STOPPED_MIN_LEFT = 10_000


def days_text(days):
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


def declared():
    """The data classes of the installed apps, by key, in screen order."""
    return {data_class.key: data_class for data_class in data_classes()}


@dataclass(frozen=True)
class Retention:
    """The retention periods in force at one moment: the stored ones, else the
    declared defaults. Cleanup reads one at the start of its run."""

    days_by_class: dict

    @classmethod
    def load(cls):
        days = {key: data_class.default_days for key, data_class in declared().items()}
        days.update(RetentionPeriod.objects.values_list("key", "days"))
        return cls(days)

    def days(self, key):
        """Days kept for a data class, or None (kept forever). Refuses anything below 1
        here as well, so a bad row written behind the form's back cannot purge it all."""
        days = self.days_by_class.get(key)
        if days is not None and days < 1:
            raise ValueError(f"retention {key} is {days}: below 1 day, refused")
        return days

    def cutoff(self, key, now):
        """Rows older than this are purged; None when the data class is kept forever."""
        days = self.days(key)
        return None if days is None else now - timedelta(days=days)


def save_periods(values, user, now, record):
    """Store {data class key: days or None}; `record(key, before, after)` is told of each
    change. Returns the keys changed."""
    current = Retention.load()
    changed = []
    for key, days in values.items():
        before = current.days_by_class.get(key)
        if before == days and RetentionPeriod.objects.filter(key=key).exists():
            continue
        RetentionPeriod.objects.update_or_create(key=key, defaults={"days": days})
        if before != days:
            record(f"retention.{key}", _period_text(before), _period_text(days))
            changed.append(key)
    return changed


def _period_text(days):
    return "" if days is None else str(days)


def _sentence(data_class: DataClass, days):
    if days is None:
        return _("%(label)s are kept forever (no retention set).") % {"label": data_class.label}
    return data_class.sentence % {"days": days_text(days)}


def policy_sentences(retention: Retention, purge: PurgeSettings, purged_classes):
    """The policy in plain sentences, in the order of the screen. `purged_classes` are
    the data classes some cleanup step purges; the others have no table here yet."""
    sentences = []
    for key, data_class in declared().items():
        text = _sentence(data_class, retention.days(key))
        if key not in purged_classes:
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
            "Pending delivery logs of deliveries whose validity has ended, or that were stopped in "
            "the last %(days)s with %(left)s or more messages still to deliver, become “Cancelled”, and "
            "those deliveries become “Finished”."
        )
        % {
            "days": days_text(STOPPED_RECENT_DAYS),
            "left": number_format(STOPPED_MIN_LEFT, force_grouping=True),
        }
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
