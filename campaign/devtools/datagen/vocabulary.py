"""The data generator's fixed vocabulary: names, email domains, delivery themes, user
agents, Message Center event types, the failure codes of delivery logs and their mixes
per channel, and the showcase deliveries that even the tiny data set has.

Changing any of these changes the generated data (the same seed then gives other rows).
"""

import unicodedata
from typing import NamedTuple

from campaign.choices import FailureReason, FailureType

HOUR, DAY = 3600, 86400  # offsets are in seconds

# Recipient names; emails use their unaccented lowercase form (see ascii_slug).
FIRST_NAMES = (
    "Léa Hugo Emma Lucas Chloé Louis Inès Gabriel Manon Jules "
    "Sarah Adam Camille Nathan Zoé Paul Alice Tom Anna Noah"
).split()
LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau "
    "Simon Laurent Lefèvre Michel Garcia Müller Smith Rossi Fournier Girard"
).split()
DOMAINS = [  # (weight, domain)
    (30, "gmail.com"),
    (15, "orange.fr"),
    (12, "hotmail.com"),
    (10, "yahoo.fr"),
    (8, "free.fr"),
    (8, "outlook.com"),
    (7, "sfr.fr"),
    (5, "laposte.net"),
    (5, "example.com"),
]
DELIVERY_THEMES = [
    "Spring sale",
    "Newsletter",
    "Welcome",
    "Birthday",
    "Abandoned cart",
    "Loyalty points",
    "Back in stock",
    "Black Friday",
    "Summer collection",
    "Satisfaction survey",
    "Win-back",
    "New store opening",
]
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 "
    "Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
    "Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile "
    "Safari/537.36",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
]
EVENT_TYPES = [  # (name, label); further types are "custom_event_N"
    ("order_confirmation", "Order confirmation"),
    ("password_reset", "Password reset"),
    ("shipping_notification", "Shipping notification"),
    ("account_creation", "Account creation"),
    ("abandoned_cart", "Abandoned cart"),
    ("invoice_available", "Invoice available"),
    ("appointment_reminder", "Appointment reminder"),
    ("one_time_password", "One-time password"),
    ("payment_failed", "Payment failed"),
    ("delivery_survey", "Delivery survey"),
]


class Failure(NamedTuple):
    """A failure code of the logs: its type, reason and raw error text (SQL over `{address}`)."""

    type: str
    reason: FailureReason
    text: str


HARD, SOFT, IGNORED = FailureType.HARD.value, FailureType.SOFT.value, FailureType.IGNORED.value
FAILURES = {
    1: Failure(
        HARD,
        FailureReason.USER_UNKNOWN,
        "'550 5.1.1 <' || {address} || '>: Recipient address rejected: User unknown'",
    ),
    2: Failure(HARD, FailureReason.REFUSED, "'554 5.7.1 Message rejected as spam by Content Filtering'"),
    3: Failure(
        HARD,
        FailureReason.ACCOUNT_DISABLED,
        "'550 5.2.1 The email account that you tried to reach is disabled'",
    ),
    4: Failure(HARD, FailureReason.UNREACHABLE, "'550 5.4.1 Recipient address rejected: Access denied'"),
    5: Failure(
        SOFT,
        FailureReason.MAILBOX_FULL,
        "'552 5.2.2 <' || {address} || '>: Mailbox full, user quota exceeded'",
    ),
    6: Failure(SOFT, FailureReason.INVALID_DOMAIN, "'DNS query failed for ' || {address}"),
    7: Failure(SOFT, FailureReason.UNREACHABLE, "'421 4.4.2 Connection timed out'"),
    8: Failure(SOFT, FailureReason.INACTIVE_MAILBOX, "'550 5.2.1 Mailbox inactive'"),
    9: Failure(SOFT, FailureReason.REFUSED, "'421 4.7.0 Temporarily rejected, too many messages'"),
    10: Failure(IGNORED, FailureReason.UNKNOWN, "'Automatic reply: out of office'"),
    11: Failure(IGNORED, FailureReason.NOT_CONNECTED, "'SR 2: handset switched off or not connected'"),
    12: Failure(HARD, FailureReason.USER_UNKNOWN, "'SR 1: unknown subscriber'"),
    13: Failure(SOFT, FailureReason.UNREACHABLE, "'SMSC timeout'"),
    14: Failure(HARD, FailureReason.USER_UNKNOWN, "'NotRegistered'"),
    15: Failure(SOFT, FailureReason.UNREACHABLE, "'Unavailable'"),
    16: Failure(HARD, FailureReason.USER_UNKNOWN, "'Address not found'"),
    17: Failure(SOFT, FailureReason.UNKNOWN, "'Temporary failure'"),
    20: Failure(IGNORED, FailureReason.QUARANTINED, "'Address in quarantine'"),
    21: Failure(IGNORED, FailureReason.DENYLISTED, "'Address on the denylist'"),
    22: Failure(IGNORED, FailureReason.UNKNOWN, "'Excluded by a typology rule'"),
}
FAILED_MIX = {  # channel group -> [(weight, failure code)]
    "email": [(30, 1), (4, 2), (4, 3), (4, 4), (25, 5), (10, 6), (10, 7), (6, 8), (5, 9), (2, 10)],
    "sms": [(40, 11), (25, 12), (35, 13)],
    "push": [(50, 14), (50, 15)],
    "other": [(50, 16), (50, 17)],
}
IGNORED_MIX = [(50, 20), (20, 21), (30, 22)]


class Showcase(NamedTuple):
    """One of the first deliveries, fixed so that even a tiny data set has every kind."""

    channel: str
    target: str  # "recipient" or an external profile kind
    life: str  # "sent", "provisional", "edition" or "scheduled"
    seconds_before_now: int  # when it started (sent ones)
    deleted: bool


SHOWCASE = [
    Showcase("email", "recipient", "sent", 20 * DAY, False),
    Showcase("sms", "recipient", "sent", 40 * DAY, False),
    Showcase("push", "mobile", "sent", 10 * DAY, False),
    Showcase("facebook", "recipient", "sent", 60 * DAY, False),
    Showcase("twitter", "recipient", "sent", 200 * DAY, False),
    Showcase("email", "recipient", "provisional", 0, False),
    Showcase("email", "recipient", "sent", 300 * DAY, True),
    Showcase("email", "cookie", "sent", 5 * DAY, False),
    Showcase("mail", "recipient", "sent", 90 * DAY, False),
    Showcase("email", "recipient", "sent", 3 * HOUR, False),
    Showcase("sms", "customer", "sent", 100 * DAY, False),
    Showcase("email", "recipient", "edition", 0, False),
    Showcase("email", "recipient", "scheduled", 0, False),
    Showcase("push", "recipient", "provisional", 0, True),
    Showcase("email", "recipient", "sent", 500 * DAY, False),  # older than the 12-month activity window
]


def ascii_slug(name: str) -> str:
    """'Lefèvre' -> 'lefevre': the form used in email addresses."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
