"""The core's purge steps (declared in campaign/contributions.py): deleted and expired
deliveries, raw tracking hits, delivery logs, Message Center events, quarantine upkeep
and sessions. Adobe §6; quarantine rules §5.2."""

from datetime import timedelta

from django.db.models import F, Q
from django.utils.translation import gettext as _

from workflows.plugins import BatchOperation, PurgeContext, delivery_children, model_or_none

from . import changes
from .choices import DeliveryState, FailureReason, LogStatus, QuarantineStatus
from .models import Delivery, DeliveryLog, Event, Quarantine
from .retention import MAILBOX_FULL_DAYS, QUARANTINE_QUIET_DAYS, STOPPED_MIN_LEFT, STOPPED_RECENT_DAYS


def deleted_deliveries(context: PurgeContext):
    """Adobe §6 task 2: deliveries deleted longer ago than their retention, with every
    table an app declares as a child of a delivery (children first, in their order)."""
    limit = context.cutoff("deleted_deliveries")
    if limit is None:
        return None
    where = Q(deleted=True, deleted_at__lt=limit)
    parents = Delivery._base_manager.filter(where).values("pk")
    operations = []
    for child in delivery_children():
        model = model_or_none(child.model)
        if model is not None:
            what = str(model._meta.verbose_name_plural)
            operations.append(BatchOperation(model, Q(**{f"{child.fk}__in": parents}), what))
    operations.append(
        BatchOperation(Delivery, where, str(Delivery._meta.verbose_name_plural), keyset="deleted_at")
    )
    return operations


def expired_deliveries(context: PurgeContext):
    """Adobe §6 task 3: deliveries still pending or in progress whose validity ended, and
    deliveries stopped in the last STOPPED_RECENT_DAYS (last modified) with
    STOPPED_MIN_LEFT or more messages still to deliver. Their pending logs become
    cancelled (first, so a killed run is finished by the next one), then the delivery
    becomes finished."""
    expired = Q(
        state__in=[DeliveryState.PENDING, DeliveryState.IN_PROGRESS],
        valid_until__lt=context.now,
    )
    stopped = Q(
        state=DeliveryState.STOPPED,
        updated_at__gte=context.now - timedelta(days=STOPPED_RECENT_DAYS),
        to_deliver__gte=F("processed") + STOPPED_MIN_LEFT,
    )
    finish = Q(deleted=False) & (expired | stopped)
    deliveries = Delivery._base_manager.filter(finish).values("pk")
    return [
        BatchOperation(
            DeliveryLog,
            Q(status=LogStatus.PENDING, delivery__in=deliveries),
            _("pending logs cancelled"),
            values={"status": LogStatus.CANCELLED},
        ),
        BatchOperation(
            Delivery,
            finish,
            _("deliveries finished"),
            values={"state": DeliveryState.FINISHED, "updated_at": context.now},
        ),
    ]


def _by_age_keeping_unread(model, time_field, source, limit):
    """Rows older than `limit`, except those a reader of `source` (the active-contact
    upkeep) has not read yet: a log imported late must be counted before it goes."""
    if limit is None:
        return None
    where = Q(**{f"{time_field}__lt": limit})
    oldest = changes.oldest_unread(source)
    if oldest is not None:
        where &= Q(change_order__lt=oldest) | Q(change_order__isnull=True)
    return [BatchOperation(model, where, str(model._meta.verbose_name_plural), keyset=time_field)]


def delivery_logs(context: PurgeContext):
    return _by_age_keeping_unread(DeliveryLog, "event_at", "delivery_logs", context.cutoff("delivery_logs"))


def events(context: PurgeContext):
    return _by_age_keeping_unread(Event, "created_at", "messages", context.cutoff("events"))


def quarantine_upkeep(context: PurgeContext):
    """Adobe §5.2: an address "with errors" returns to valid (error count reset) after
    - a later success: its last_success_at is after its last_error_at (the delivery
      outcome processing stamps both; reading the delivery logs instead would need an
      index on their address, which the largest table does not have);
    - QUARANTINE_QUIET_DAYS without error, or MAILBOX_FULL_DAYS when the last error was
      "mailbox full".
    Addresses in quarantine or denylisted are never released automatically."""
    quiet = context.now - timedelta(days=QUARANTINE_QUIET_DAYS)
    mailbox_full = context.now - timedelta(days=MAILBOX_FULL_DAYS)
    full = Q(last_error_reason=FailureReason.MAILBOX_FULL)
    release = (
        Q(last_success_at__gt=F("last_error_at"))
        | (Q(last_error_at__lt=quiet) & ~full)
        | (Q(last_error_at__lt=mailbox_full) & full)
    )
    return [
        BatchOperation(
            Quarantine,
            Q(status=QuarantineStatus.WITH_ERRORS) & release,
            _("addresses back to valid"),
            values={"status": QuarantineStatus.VALID, "error_count": 0, "updated_at": context.now},
        )
    ]
