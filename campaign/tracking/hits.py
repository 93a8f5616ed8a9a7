"""The hot path: append one raw hit, a plain INSERT (no join, no update, no lookup).

The statement is built once from the core model's metadata; the hit time is the
request's own clock (the workflow's `now` rule is for business rules, not for
stamping an event as it happens)."""

from django.db import connection
from django.utils import timezone

from campaign.models import TrackingHit

from .tokens import Hit

USER_AGENT_MAX = TrackingHit._meta.get_field("user_agent").max_length
COLUMNS = (
    "delivery_id",
    "delivery_log_id",
    "url_id",
    "profile_table",
    "profile_id",
    "kind",
    "hit_at",
    "user_agent",
)


def _insert_sql():
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in COLUMNS)
    placeholders = ", ".join(["%s"] * len(COLUMNS))
    return f"INSERT INTO {quote(TrackingHit._meta.db_table)} ({columns}) VALUES ({placeholders})"


INSERT = _insert_sql()


def append(hit: Hit, user_agent: str, at=None):
    """Write the raw hit of an authentic, fresh token."""
    at = at or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT,
            [
                hit.delivery_id,
                hit.delivery_log_id,
                hit.url_id,
                hit.profile_table,
                hit.profile_id,
                hit.kind,
                connection.ops.adapt_datetimefield_value(at),
                user_agent[:USER_AGENT_MAX],
            ],
        )
