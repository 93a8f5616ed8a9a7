"""Delivery indicators and counters, recomputed for the deliveries `tracking` touched
(reference §10, "Indicators recomputed"), and the propositions of sent deliveries
marked presented.

The deliveries recomputed are those a consolidated hit touched (StaleIndicators, noted
in the hit's batch transaction) and those started in the last RECENT_SENDING (their
delivery logs still move). Each chunk of deliveries is one transaction of three
set-based statements: the indicators (one aggregate over their tracking logs, one over
their delivery logs, joined per delivery, INSERT … ON CONFLICT), the delivery counters
copied from them, the propositions; then their stale marks go.

Definitions (per delivery; a recipient is a profile of the delivery's target table):
- to deliver: logs not ignored (exclusions); processed: sent, delivered or failed;
  sent (Adobe's success): sent or delivered; delivered: confirmed by a delivery
  receipt; failed;
- recipients who opened: distinct recipients with any tracking line (a click implies the
  message was opened); opens: open-pixel hits;
- estimated opens = opened × to deliver / (to deliver − text-format messages), as text
  messages cannot register opens (no log carries a format here, so text messages are 0
  and the estimate equals the count);
- recipients who clicked: distinct recipients with an email click (type 1); clicks: all
  of them; opt-outs: distinct recipients with an opt-out hit (type 3); mirror page views
  (type 6), web pages (types 4 and 5), transactions (type 5), interested (type 11);
- open rate = opened / sent, click rate = clicked / sent, reactivity = clicked /
  estimated opened, opt-out rate = opt-outs / sent (None while the base is 0).
Adobe's "person clicks" and "forwards" need a source id per browser, which Adobe takes
from a tracking cookie; the endpoints set none (no consent is asked of a mail reader),
so they are not computed.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q

from campaign.choices import LogStatus, TrackingKind
from campaign.models import Delivery, DeliveryLog
from offers.choices import PropositionStatus
from workflows.plugins import model_or_none

from .models import DeliveryIndicators, StaleIndicators, TrackingLog
from .sql import db_value, in_list, table

RECENT_SENDING = timedelta(days=2)
CHUNK = 500

TRACKING_FIGURES = {
    "recipient_opens": Count("profile_id", distinct=True),
    "total_opens": Count("pk", filter=Q(kind=TrackingKind.OPEN)),
    "recipient_clicks": Count("profile_id", distinct=True, filter=Q(kind=TrackingKind.CLICK)),
    "total_clicks": Count("pk", filter=Q(kind=TrackingKind.CLICK)),
    "opt_outs": Count("profile_id", distinct=True, filter=Q(kind=TrackingKind.OPT_OUT)),
    "mirror_pages": Count("pk", filter=Q(kind=TrackingKind.MIRROR)),
    "web_pages": Count("pk", filter=Q(kind__in=[TrackingKind.WEB, TrackingKind.TRANSACTION])),
    "transactions": Count("pk", filter=Q(kind=TrackingKind.TRANSACTION)),
    "interested": Count("pk", filter=Q(kind=TrackingKind.INTERESTED)),
    "first_hit_at": Min("tracked_at"),
    "last_hit_at": Max("tracked_at"),
}
MESSAGE_FIGURES = {
    "to_deliver": Count("pk", filter=~Q(status=LogStatus.IGNORED)),
    "processed": Count("pk", filter=Q(status__in=[LogStatus.SENT, LogStatus.DELIVERED, LogStatus.FAILED])),
    "sent": Count("pk", filter=Q(status__in=[LogStatus.SENT, LogStatus.DELIVERED])),
    "delivered": Count("pk", filter=Q(status=LogStatus.DELIVERED)),
    "failed": Count("pk", filter=Q(status=LogStatus.FAILED)),
}
COUNTS = [name for name in TRACKING_FIGURES if not name.endswith("_at")]
# The propositions tracking marks presented: those in a status before "presented" in
# the offer life cycle (PropositionStatus lists its statuses in life-cycle order).
NOT_YET_PRESENTED = PropositionStatus.values[: PropositionStatus.values.index(PropositionStatus.PRESENTED)]
# Delivery counters copied from the indicators.
DELIVERY_COUNTERS = {
    "to_deliver": "to_deliver",
    "processed": "processed",
    "sent": "sent",
    "delivered": "delivered",
    "failed": "failed",
    "unique_opens": "recipient_opens",
    "clicks": "total_clicks",
    "opt_outs": "opt_outs",
}


@dataclass
class Recomputed:
    deliveries: int = 0
    propositions: int = 0


def _grouped(queryset, figures, ids):
    sql, params = (
        queryset.filter(delivery_id__in=ids).order_by().values("delivery_id").annotate(**figures)
    ).query.sql_with_params()
    return sql, list(params)


def _ratio(numerator, denominator):
    return f"CASE WHEN {denominator} > 0 THEN 1.0 * {numerator} / {denominator} END"


def _write_indicators(cursor, ids, now):
    tracking_sql, tracking_params = _grouped(TrackingLog.objects, TRACKING_FIGURES, ids)
    messages_sql, messages_params = _grouped(DeliveryLog.objects, MESSAGE_FIGURES, ids)
    counts = ", ".join(f"COALESCE(t.{name}, 0) AS {name}" for name in COUNTS)
    messages = ", ".join(f"COALESCE(m.{name}, 0) AS {name}" for name in MESSAGE_FIGURES)
    # Text-format messages cannot register opens: the estimates scale them up.
    base = "(x.to_deliver - x.text_messages)"
    estimated = [
        f"CASE WHEN {base} > 0 THEN 1.0 * x.{n} * x.to_deliver / {base} ELSE 1.0 * x.{n} END"
        for n in ("recipient_opens", "total_opens")
    ]
    columns = [
        "delivery_id",
        *MESSAGE_FIGURES,
        "text_messages",
        *COUNTS,
        "estimated_recipient_opens",
        "estimated_total_opens",
        "first_hit_at",
        "last_hit_at",
        "computed_at",
    ]
    inner = (
        f"SELECT d.id AS delivery_id, {messages}, 0 AS text_messages, {counts}, "
        f"t.first_hit_at AS first_hit_at, t.last_hit_at AS last_hit_at "
        f"FROM {table(Delivery)} d LEFT JOIN ({tracking_sql}) t ON t.delivery_id = d.id "
        f"LEFT JOIN ({messages_sql}) m ON m.delivery_id = d.id WHERE d.id IN ({in_list(ids)})"
    )
    values = [f"x.{name}" for name in columns[:-5]] + [*estimated, "x.first_hit_at", "x.last_hit_at", "%s"]
    rates = {
        "open_rate": _ratio("y.recipient_opens", "y.sent"),
        "click_rate": _ratio("y.recipient_clicks", "y.sent"),
        "reactivity": _ratio("y.recipient_clicks", "y.estimated_recipient_opens"),
        "opt_out_rate": _ratio("y.opt_outs", "y.sent"),
    }
    every = [*columns, *rates]
    select = ", ".join(f"{value} AS {name}" for value, name in zip(values, columns, strict=True))
    updates = ", ".join(f"{name} = excluded.{name}" for name in every[1:])
    cursor.execute(
        f"INSERT INTO {table(DeliveryIndicators)} ({', '.join(every)}) "
        f"SELECT y.*, {', '.join(rates.values())} FROM (SELECT {select} FROM ({inner}) x) y WHERE 1 = 1 "
        f"ON CONFLICT (delivery_id) DO UPDATE SET {updates}",
        [db_value(now), *tracking_params, *messages_params, *ids],
    )


def _copy_counters(cursor, ids):
    deliveries = table(Delivery)
    assignments = ", ".join(f"{column} = i.{source}" for column, source in DELIVERY_COUNTERS.items())
    cursor.execute(
        f"UPDATE {deliveries} SET {assignments} FROM {table(DeliveryIndicators)} i "
        f"WHERE i.delivery_id = {deliveries}.id AND {deliveries}.id IN ({in_list(ids)})",
        ids,
    )


def present_propositions(ids):
    """Propositions not yet presented, of the deliveries among `ids` that sent something,
    become presented (compare-and-set on their status); 0 without the offers app."""
    proposition = model_or_none("offers.Proposition")
    if proposition is None or not NOT_YET_PRESENTED:
        return 0
    sent = Delivery.objects.filter(pk__in=ids, sent__gt=0).values("pk")
    return proposition._base_manager.filter(status__in=NOT_YET_PRESENTED, delivery__in=sent).update(
        status=PropositionStatus.PRESENTED
    )


def recompute_deliveries(ids, now):
    """Recompute the indicators and counters of the deliveries `ids` (one transaction);
    returns the propositions marked presented."""
    with transaction.atomic(), connection.cursor() as cursor:
        _write_indicators(cursor, ids, now)
        _copy_counters(cursor, ids)
        presented = present_propositions(ids)
        StaleIndicators.objects.filter(delivery_id__in=ids).delete()
    return presented


def deliveries_to_recompute(now):
    """Ids of the deliveries touched by consolidated hits or started recently: one
    number per delivery, never rows of the large tables."""
    stale = set(StaleIndicators.objects.values_list("delivery_id", flat=True))
    recent = Delivery.objects.filter(deleted=False, started_at__gte=now - RECENT_SENDING, started_at__lte=now)
    return sorted(stale | set(recent.values_list("pk", flat=True)))


def recompute(now, chunk=CHUNK):
    result = Recomputed()
    ids = deliveries_to_recompute(now)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        result.propositions += recompute_deliveries(part, now)
        result.deliveries += len(part)
    return result
