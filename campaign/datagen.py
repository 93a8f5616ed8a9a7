"""A consistent synthetic data set, generated set-based inside the database.

API (also used by the benchmarks)::

    from campaign import datagen
    result = datagen.generate(datagen.PRESETS["tiny"], seed=1, now=timezone.now())
    result = datagen.generate(datagen.Counts(recipients=1000, deliveries=20, delivery_logs=5000),
                              seed=7, now=now, stdout=sys.stdout, truncate=True)
    result.rows["delivery_logs"], result.seconds["delivery_logs"], result.total_seconds

`Counts` holds one whole number per generated table (0 = none); `PRESETS` are "tiny"
(tests), "demo" (every screen meaningful, seconds on SQLite) and "bench" (1M recipients,
10M delivery logs: minutes on PostgreSQL). `generate` validates the counts (raising
`GenerationError`, before anything changes), optionally empties the generated tables
(`truncate=True`, also every table holding a foreign key to them), then fills them in one
transaction: a failure leaves the database as it was. It returns a `Result`.

What is generated, relative to `now` (times fall in the 18 months before it, see
`window_start`):
- recipients (email and phone derived from the id); external profiles in three blocks
  (cookie 50 %, customer 30 %, mobile 20 %), some linked to a recipient;
- deliveries on the six seeded channels, mostly to recipients, some to an external
  table; some provisional (planned later), scheduled, being edited, deleted, stopped,
  failed, in progress. The first deliveries are a fixed showcase so that even "tiny"
  has every kind (social channels, provisional, deleted, external targets…);
- delivery logs: one per targeted profile (profile in the delivery's target table),
  with Adobe-like status / failure type / reason / raw error text mixes per channel,
  message sizes per channel, event times after the delivery's start and before `now`.
  Recipients above 92 % of the block are never targeted; those between 85 % and 92 %
  only by social channels;
- tracking URLs (the first of each email/push delivery is its open pixel) and raw hits
  made by profiles that received the delivery, after their log, consolidated on the next
  full hour unless less than two hours old;
- Message Center event types and events (about a third to known recipients);
- an offer environment pair (design + live), categories, offer spaces, design offers and
  the live copies of those in status "live" (as a past offerMgt run would leave them;
  counts are per environment: `categories`, `offer_spaces` and `offers` are design rows),
  propositions of live offers (60 % made in recipient email deliveries, to their
  profiles);
- quarantine entries (unique per address and channel) in every status.

Determinism: every value is a function of the row number, the seed and the counts
(a modular hash, identical on PostgreSQL and SQLite); ids continue after the existing
rows, so the same seed on the same starting state (e.g. after `truncate`) gives the same
data. Speed: no row is built in Python. PostgreSQL uses `INSERT … SELECT` over
`generate_series` (LATERAL per delivery for logs, hits, propositions); for a large load
into a table with fewer rows, its secondary indexes, unique and foreign-key constraints
are dropped and rebuilt in the same transaction (one sort and one anti-join instead of
millions of row-by-row checks), then the tables are ANALYZEd. SQLite uses recursive CTEs
and a temporary numbers table, in chunks.
"""

import hashlib
import math
import re
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field, fields

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from . import roles
from .choices import (
    FailureReason,
    FailureType,
    ProfileTable,
)
from .dates import add_months
from .models import (
    Channel,
    Delivery,
    DeliveryLog,
    Event,
    EventType,
    ExternalProfile,
    Quarantine,
    Recipient,
    TrackingHit,
    TrackingUrl,
)

MONTHS = 18
# PostgreSQL: a load of at least this many rows into a table holding fewer rows is done
# without its secondary indexes and constraints, rebuilt afterwards.
BULK_LOAD_MIN_ROWS = 100_000
P = 2147483647  # 2^31 - 1: squares stay below 2^62, so no bigint overflow anywhere
HOUR, DAY = 3600, 86400
STRIDE_PRIMES = [7919, 104729, 1299709, 15485863, 32452843, 49979687, 67867967, 86028121]


@dataclass(frozen=True)
class Counts:
    """Rows to generate per table (design-environment rows for the offer catalog)."""

    recipients: int = 0
    external_profiles: int = 0
    deliveries: int = 0
    delivery_logs: int = 0
    tracking_urls: int = 0
    tracking_hits: int = 0
    event_types: int = 0
    events: int = 0
    categories: int = 0
    offer_spaces: int = 0
    offers: int = 0
    propositions: int = 0
    quarantine: int = 0

    def errors(self):
        """Readable problems with these counts (empty when they can be generated)."""
        bad = [
            f"{f.name}={getattr(self, f.name)!r}" for f in fields(self) if not _whole(getattr(self, f.name))
        ]
        if bad:
            return [f"counts must be whole numbers >= 0: {', '.join(bad)}"]
        needs = [
            ("delivery_logs", "deliveries"),
            ("delivery_logs", "recipients"),
            ("tracking_urls", "deliveries"),
            ("tracking_hits", "delivery_logs"),
            ("events", "event_types"),
            ("offers", "categories"),
            ("propositions", "offers"),
            ("propositions", "recipients"),
        ]
        return [f"{a} needs {b} > 0" for a, b in needs if getattr(self, a) and not getattr(self, b)]


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


PRESETS = {
    "tiny": Counts(
        recipients=200,
        external_profiles=60,
        deliveries=40,
        delivery_logs=2_000,
        tracking_urls=60,
        tracking_hits=400,
        event_types=4,
        events=300,
        categories=6,
        offer_spaces=3,
        offers=12,
        propositions=300,
        quarantine=40,
    ),
    "demo": Counts(
        recipients=5_000,
        external_profiles=1_500,
        deliveries=300,
        delivery_logs=30_000,
        tracking_urls=600,
        tracking_hits=8_000,
        event_types=8,
        events=5_000,
        categories=15,
        offer_spaces=6,
        offers=60,
        propositions=6_000,
        quarantine=400,
    ),
    "bench": Counts(
        recipients=1_000_000,
        external_profiles=200_000,
        deliveries=5_000,
        delivery_logs=10_000_000,
        tracking_urls=25_000,
        tracking_hits=2_000_000,
        event_types=10,
        events=1_000_000,
        categories=60,
        offer_spaces=12,
        offers=500,
        propositions=2_000_000,
        quarantine=50_000,
    ),
}


class GenerationError(ValueError):
    """The counts cannot be generated; nothing was changed."""


@dataclass
class Result:
    rows: dict = field(default_factory=dict)  # table key -> rows inserted
    seconds: dict = field(default_factory=dict)  # table key -> seconds (insert + indexes)
    total_seconds: float = 0.0


def window_start(now):
    """The start of the generated window: `now` minus 18 months (day clamped)."""
    return add_months(now, -MONTHS)


def generate(counts, seed=1, now=None, stdout=None, truncate=False):
    """Generate `counts` (a Counts or a preset name) with `seed`, relative to `now`."""
    if isinstance(counts, str):
        if counts not in PRESETS:
            raise GenerationError(f"unknown preset {counts!r}; known: {', '.join(PRESETS)}")
        counts = PRESETS[counts]
    problems = counts.errors()
    if not isinstance(seed, int) or isinstance(seed, bool):
        problems.append(f"seed must be a whole number, not {seed!r}")
    if problems:
        raise GenerationError("; ".join(problems))
    now = now or timezone.now()
    if timezone.is_naive(now):
        raise GenerationError("now must be an aware datetime")
    generator = _Generator(counts, seed, now, stdout)
    started = time.perf_counter()
    with transaction.atomic():
        if truncate:
            generator.timed("truncate", empty_tables)
        generator.run()
    generator.analyze()
    generator.result.total_seconds = time.perf_counter() - started
    generator.say(f"total {generator.result.total_seconds:9.1f} s")
    return generator.result


# --- which tables --------------------------------------------------------------------


def generated_models():
    """The models this module fills (offers only when the offers app is installed)."""
    models = [
        Recipient,
        ExternalProfile,
        Delivery,
        DeliveryLog,
        TrackingUrl,
        TrackingHit,
        EventType,
        Event,
        Quarantine,
    ]
    if apps.is_installed("offers"):
        from offers.models import Category, Environment, Offer, OfferSpace, Proposition

        models += [Environment, Category, OfferSpace, Offer, Proposition]
    return models


def models_to_empty():
    """The generated models plus every model holding a foreign key to one of them."""
    found = list(generated_models())
    grew = True
    while grew:
        grew = False
        for model in apps.get_models(include_auto_created=True):
            if model in found or model._meta.proxy:
                continue
            if any(
                f.many_to_one or f.one_to_one for f in model._meta.concrete_fields if f.related_model in found
            ):
                found.append(model)
                grew = True
    return found


def empty_tables():
    """Empty the generated tables (and their dependants) and restart their ids."""
    models = models_to_empty()
    tables = [m._meta.db_table for m in models]
    quoted = [connection.ops.quote_name(t) for t in tables]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with deferred checks pending in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {', '.join(quoted)} RESTART IDENTITY CASCADE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for table in quoted:
                cursor.execute(f"DELETE FROM {table}")
            names = ", ".join(_q(t) for t in tables)
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")
            if cursor.fetchone():
                cursor.execute(f"DELETE FROM sqlite_sequence WHERE name IN ({names})")
    return len(tables)


# --- SQL helpers ----------------------------------------------------------------------


_PLAIN = re.compile(r"^[a-z_][a-z_0-9]*(\.[a-z_0-9]+)?$")


def _q(text):
    """A SQL string literal (only ever used on this module's own constants)."""
    return "'" + str(text).replace("'", "''") + "'"


def _case(expr, mapping, default="NULL"):
    whens = " ".join(f"WHEN {_q(k) if isinstance(k, str) else k} THEN {v}" for k, v in mapping.items())
    return f"CASE {expr} {whens} ELSE {default} END"


def _pick(r, options):
    """CASE choosing among [(weight, sql value)] with the bucket `r % total of weights`."""
    options = [(w, v) for w, v in options if w > 0]
    divisor = math.gcd(*(w for w, _ in options))
    options = [(w // divisor, v) for w, v in options]
    if len(options) == 1:
        return options[0][1]
    total, acc, whens = sum(w for w, _ in options), 0, []
    if _PLAIN.match(r):  # a column: cheap to repeat in a searched CASE
        for weight, value in options[:-1]:
            acc += weight
            whens.append(f"WHEN {r} % {total} < {acc} THEN {value}")
        return f"CASE {' '.join(whens)} ELSE {options[-1][1]} END"
    # An expression: a simple CASE evaluates it once, then compares bucket numbers.
    for weight, value in options[:-1]:
        whens.extend(f"WHEN {bucket} THEN {value}" for bucket in range(acc, acc + weight))
        acc += weight
    return f"CASE ({r}) % {total} {' '.join(whens)} ELSE {options[-1][1]} END"


def _choice(r, values):
    """One of `values` (SQL literals) chosen by `r % len(values)`."""
    values = list(values)
    if len(values) == 1:
        return values[0]
    whens = " ".join(f"WHEN {k} THEN {v}" for k, v in enumerate(values[:-1]))
    return f"CASE ({r}) % {len(values)} {whens} ELSE {values[-1]} END"


def _lits(values):
    return [_q(v) for v in values]


def _slug(name):
    """'Lefèvre' -> 'lefevre': the form used in email addresses."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


class _Postgres:
    chunk = 1_000_000
    fence = " OFFSET 0"  # keeps a subquery from being flattened: its columns are computed once

    def seq(self, lo, hi):
        return f"generate_series({lo}::bigint, {hi}::bigint) AS seq(i)"

    def expand(self, plan, count):
        """FROM clause giving each plan row p its numbers g.k = 1..p.count, and a WHERE."""
        return f"{plan} p CROSS JOIN LATERAL generate_series(1::bigint, p.{count}) AS g(k)", "TRUE"

    def ts(self, epoch):
        return f"to_timestamp({epoch})"

    def greatest(self, *args):
        return f"GREATEST({', '.join(args)})"

    def least(self, *args):
        return f"LEAST({', '.join(args)})"

    def json(self, sql):
        return f"({sql})::jsonb"

    def numbers(self, cursor, upto):
        pass


class _SQLite(_Postgres):
    chunk = 100_000
    fence = " LIMIT -1 OFFSET 0"

    def seq(self, lo, hi):
        return (
            f"(WITH RECURSIVE s(i) AS (SELECT {lo} WHERE {lo} <= {hi} "
            f"UNION ALL SELECT i + 1 FROM s WHERE i < {hi}) SELECT i FROM s) seq"
        )

    def expand(self, plan, count):
        # CROSS JOIN keeps the plan as the outer loop; k is the rowid: a range scan per row.
        return f"{plan} p CROSS JOIN datagen_numbers g", f"g.k <= p.{count}"

    def ts(self, epoch):
        return f"datetime({epoch}, 'unixepoch')"

    def greatest(self, *args):
        return f"max({', '.join(args)})"

    def least(self, *args):
        return f"min({', '.join(args)})"

    def json(self, sql):
        return sql

    def numbers(self, cursor, upto):
        cursor.execute("DROP TABLE IF EXISTS datagen_numbers")
        cursor.execute("CREATE TEMP TABLE datagen_numbers (k INTEGER PRIMARY KEY)")
        cursor.execute(
            f"WITH RECURSIVE s(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM s WHERE k < {int(max(upto, 1))}) "
            "INSERT INTO datagen_numbers SELECT k FROM s"
        )


# --- the fixed vocabulary ---------------------------------------------------------------

# Recipient names; emails use their unaccented lowercase form (see _slug).
FIRST_NAMES = (
    "Léa Hugo Emma Lucas Chloé Louis Inès Gabriel Manon Jules "
    "Sarah Adam Camille Nathan Zoé Paul Alice Tom Anna Noah"
).split()
LAST_NAMES = (
    "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau "
    "Simon Laurent Lefèvre Michel Garcia Müller Smith Rossi Fournier Girard"
).split()
DOMAINS = [
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
THEMES = [
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
EVENT_TYPES = [
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
CATEGORY_THEMES = [
    "Mobile plans",
    "Travel",
    "Insurance",
    "Credit cards",
    "Loyalty",
    "Home",
    "Fashion",
    "Electronics",
    "Savings",
    "Energy",
]

# Failure codes of the logs: code -> (failure type, reason, raw error text as SQL over `addr`).
H, S, IG = FailureType.HARD.value, FailureType.SOFT.value, FailureType.IGNORED.value
FR = FailureReason
FAILURES = {
    1: (H, FR.USER_UNKNOWN, "'550 5.1.1 <' || {addr} || '>: Recipient address rejected: User unknown'"),
    2: (H, FR.REFUSED, "'554 5.7.1 Message rejected as spam by Content Filtering'"),
    3: (H, FR.ACCOUNT_DISABLED, "'550 5.2.1 The email account that you tried to reach is disabled'"),
    4: (H, FR.UNREACHABLE, "'550 5.4.1 Recipient address rejected: Access denied'"),
    5: (S, FR.MAILBOX_FULL, "'552 5.2.2 <' || {addr} || '>: Mailbox full, user quota exceeded'"),
    6: (S, FR.INVALID_DOMAIN, "'DNS query failed for ' || {addr}"),
    7: (S, FR.UNREACHABLE, "'421 4.4.2 Connection timed out'"),
    8: (S, FR.INACTIVE_MAILBOX, "'550 5.2.1 Mailbox inactive'"),
    9: (S, FR.REFUSED, "'421 4.7.0 Temporarily rejected, too many messages'"),
    10: (IG, FR.UNKNOWN, "'Automatic reply: out of office'"),
    11: (IG, FR.NOT_CONNECTED, "'SR 2: handset switched off or not connected'"),
    12: (H, FR.USER_UNKNOWN, "'SR 1: unknown subscriber'"),
    13: (S, FR.UNREACHABLE, "'SMSC timeout'"),
    14: (H, FR.USER_UNKNOWN, "'NotRegistered'"),
    15: (S, FR.UNREACHABLE, "'Unavailable'"),
    16: (H, FR.USER_UNKNOWN, "'Address not found'"),
    17: (S, FR.UNKNOWN, "'Temporary failure'"),
    20: (IG, FR.QUARANTINED, "'Address in quarantine'"),
    21: (IG, FR.DENYLISTED, "'Address on the denylist'"),
    22: (IG, FR.UNKNOWN, "'Excluded by a typology rule'"),
}
FAILED_MIX = {  # channel group -> [(weight, failure code)]
    "email": [(30, 1), (4, 2), (4, 3), (4, 4), (25, 5), (10, 6), (10, 7), (6, 8), (5, 9), (2, 10)],
    "sms": [(40, 11), (25, 12), (35, 13)],
    "push": [(50, 14), (50, 15)],
    "other": [(50, 16), (50, 17)],
}
IGNORED_MIX = [(50, 20), (20, 21), (30, 22)]

# The first deliveries, so that even a tiny data set has every kind:
# channel, target table, life, start (seconds before now), deleted.
SHOWCASE = [
    ("email", "recipient", "sent", 20 * DAY, False),
    ("sms", "recipient", "sent", 40 * DAY, False),
    ("push", "mobile", "sent", 10 * DAY, False),
    ("facebook", "recipient", "sent", 60 * DAY, False),
    ("twitter", "recipient", "sent", 200 * DAY, False),
    ("email", "recipient", "provisional", 0, False),
    ("email", "recipient", "sent", 300 * DAY, True),
    ("email", "cookie", "sent", 5 * DAY, False),
    ("mail", "recipient", "sent", 90 * DAY, False),
    ("email", "recipient", "sent", 3 * HOUR, False),
    ("sms", "customer", "sent", 100 * DAY, False),
    ("email", "recipient", "edition", 0, False),
    ("email", "recipient", "scheduled", 0, False),
    ("push", "recipient", "provisional", 0, True),
    ("email", "recipient", "sent", 500 * DAY, False),  # older than the 12-month activity window
]


class _Generator:
    def __init__(self, counts, seed, now, stdout):
        self.c, self.seed, self.out = counts, seed, stdout
        self.d = _Postgres() if connection.vendor == "postgresql" else _SQLite()
        self.start = math.ceil(window_start(now).timestamp())  # every time is >= the window start
        self.window = int(now.timestamp()) - self.start  # …and <= now
        self.result = Result()
        self.base = {}

    # -- plumbing --------------------------------------------------------------------

    def say(self, line):
        if self.out is not None:
            self.out.write(line + "\n")

    def timed(self, key, function):
        started = time.perf_counter()
        rows = function()
        elapsed = time.perf_counter() - started
        self.result.rows[key], self.result.seconds[key] = rows, elapsed
        self.say(f"{key:<20} {rows:>12,} rows {elapsed:9.1f} s")

    def sql(self, statement):
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.rowcount

    def one(self, statement):
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchone()

    def t(self, offset):
        """A timestamp `offset` seconds after the window start (NULL stays NULL)."""
        return self.d.ts(f"{self.start} + ({offset})")

    def r(self, x, salt):
        """A pseudo-random whole number in [0, P) from the whole number `x`, the seed and a salt."""
        digest = hashlib.sha256(f"{self.seed}:{salt}".encode()).digest()
        a, c, d, e = (int.from_bytes(digest[i : i + 4], "big") % P for i in (0, 4, 8, 12))
        first = f"((({x}) % {P}) * {a or 1} + {c}) % {P}"
        second = f"(({first}) * ({first}) + {d}) % {P}"
        return f"((({second}) * ({second}) + {e}) % {P})"

    def next_id(self, model):
        table = connection.ops.quote_name(model._meta.db_table)
        return self.one(f"SELECT COALESCE(MAX(id), 0) FROM {table}")[0]

    def insert_chunks(self, label, total, statement):
        """Run statement(lo, hi) over 1..total in chunks, printing progress."""
        done, started = 0, time.perf_counter()
        for lo in range(1, total + 1, self.d.chunk):
            hi = min(total, lo + self.d.chunk - 1)
            done += self.sql(statement(lo, hi))
            if total > self.d.chunk:
                self.say(f"  {label}: {done:,} / {total:,} ({time.perf_counter() - started:.1f} s)")
        return done

    @contextmanager
    def bulk(self, model, rows):
        """PostgreSQL: load a large batch without secondary indexes and constraints."""
        table = model._meta.db_table
        if connection.vendor != "postgresql" or rows < BULK_LOAD_MIN_ROWS:
            yield
            return
        quoted = connection.ops.quote_name(table)
        # The planner's estimate, unless the table is empty (e.g. just truncated).
        existing = self.one(
            f"SELECT CASE WHEN EXISTS (SELECT 1 FROM {quoted}) THEN reltuples ELSE 0 END "
            f"FROM pg_class WHERE oid = {_q(table)}::regclass"
        )[0]
        if existing >= rows:
            yield
            return
        constraints = self._all(
            "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            f"WHERE conrelid = {_q(table)}::regclass AND contype IN ('f', 'u') ORDER BY contype DESC, conname"
        )
        indexes = self._all(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = "
            "x.indexrelid "
            f"WHERE x.indrelid = {_q(table)}::regclass AND NOT x.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid) "
            "ORDER BY i.relname"
        )
        # Dropping a foreign key alters the referenced table too, which PostgreSQL refuses
        # while that table has deferred checks pending: run them now.
        self.sql("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _definition, _kind in constraints:
            self.sql(f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        for name, _definition in indexes:
            self.sql(f"DROP INDEX {connection.ops.quote_name(name)}")
        self.sql("SET CONSTRAINTS ALL DEFERRED")
        yield
        started = time.perf_counter()
        self.sql("SET LOCAL maintenance_work_mem = '512MB'")
        self.sql("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in indexes:
            self.sql(definition)
        for name, definition, _kind in reversed(constraints):  # unique first, then foreign keys
            self.sql(f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
        self.sql("SET CONSTRAINTS ALL DEFERRED")
        self.say(
            f"  {table}: {len(indexes)} indexes and {len(constraints)} constraints rebuilt "
            f"({time.perf_counter() - started:.1f} s)"
        )

    def _all(self, statement):
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return cursor.fetchall()

    def analyze(self):
        started = time.perf_counter()
        models = generated_models()
        for model in models:
            self.sql(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.say(f"{'analyze':<20} {len(models):>12} tables {time.perf_counter() - started:7.1f} s")

    # -- the run ---------------------------------------------------------------------

    def run(self):
        self.channels = self.ensure_channels()
        models = generated_models()
        for model in models:
            self.base[model.__name__] = self.next_id(model)
        steps = [
            ("recipients", self.recipients),
            ("external_profiles", self.external_profiles),
            ("deliveries", self.deliveries),
            ("delivery_logs", self.delivery_logs),
            ("tracking_urls", self.tracking_urls),
            ("tracking_hits", self.tracking_hits),
            ("event_types", self.event_types),
            ("events", self.events),
            ("quarantine", self.quarantine),
        ]
        if apps.is_installed("offers"):
            steps += [
                ("environments", self.environments),
                ("categories", self.categories),
                ("offer_spaces", self.offer_spaces),
                ("offers", self.offers),
                ("propositions", self.propositions),
            ]
        for key, step in steps:
            self.timed(key, step)
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            self.sql(statement)
        for name in ("datagen_plan", "datagen_numbers"):
            self.sql(f"DROP TABLE IF EXISTS {name}")

    def ensure_channels(self):
        return roles.seed_channels(Channel)

    # -- profiles --------------------------------------------------------------------

    def first_slug(self, i):
        return _choice(self.r(i, "first"), _lits(_slug(name) for name in FIRST_NAMES))

    def email(self, i, pk):
        """The email of the recipient generated as row `i` with id `pk` (SQL)."""
        last = _choice(self.r(i, "last"), _lits(_slug(name) for name in LAST_NAMES))
        domain = _pick(self.r(i, "domain"), [(w, _q(d)) for w, d in DOMAINS])
        return f"{self.first_slug(i)} || '.' || {last} || ({pk}) || '@' || {domain}"

    @staticmethod
    def phone(pk):
        return f"'+336' || (10000000 + ({pk}) % 89999999)"

    @staticmethod
    def external_id(kind, pk):
        prefix = {"cookie": "'ck-'", "customer": "'C'", "mobile": "'mob-'"}[kind]
        number = f"(10000000 + {pk})" if kind == "customer" else f"({pk})"
        return f"{prefix} || {number}"

    def recipients(self):
        n, rb = self.c.recipients, self.base["Recipient"]
        first = _choice(self.r("i", "first"), _lits(FIRST_NAMES))
        last = _choice(self.r("i", "last"), _lits(LAST_NAMES))
        created = self.t(f"{self.window} - {self.r('i', 'rcreated')} % {3 * 365 * DAY}")

        def statement(lo, hi):
            return (
                "INSERT INTO campaign_recipient (id, email, phone, first_name, last_name, created_at) "
                f"SELECT {rb} + i, {self.email('i', f'{rb} + i')}, {self.phone(f'{rb} + i')}, {first}, "
                f"{last}, "
                f"{created} FROM {self.d.seq(lo, hi)}"
            )

        with self.bulk(Recipient, n):
            return self.insert_chunks("recipients", n, statement)

    def kind_counts(self):
        n = self.c.external_profiles
        cookie, customer = n * 5 // 10, n * 3 // 10
        return {"cookie": cookie, "customer": customer, "mobile": n - cookie - customer}

    def kind_offsets(self):
        offsets, acc = {}, self.base["ExternalProfile"]
        for kind, count in self.kind_counts().items():
            offsets[kind] = acc
            acc += count
        return offsets

    def external_profiles(self):
        n_r, rb = self.c.recipients, self.base["Recipient"]
        linked = {"cookie": 10, "customer": 60, "mobile": 40}  # % linked to a recipient
        offsets, done = self.kind_offsets(), 0
        with self.bulk(ExternalProfile, self.c.external_profiles):
            for kind, count in self.kind_counts().items():
                base = offsets[kind]
                recipient = (
                    f"CASE WHEN {self.r('i', 'link' + kind)} % 100 < {linked[kind]} "
                    f"THEN {rb} + 1 + {self.r('i', 'linkto')} % {n_r} END"
                    if n_r
                    else "NULL"
                )
                created = self.t(f"{self.window} - {self.r('i', 'ecreated')} % {2 * 365 * DAY}")

                def statement(lo, hi, base=base, kind=kind, recipient=recipient, created=created):
                    return (
                        "INSERT INTO campaign_externalprofile (id, kind, external_id, recipient_id, "
                        "created_at) "
                        f"SELECT {base} + i, {_q(kind)}, {self.external_id(kind, f'{base} + i')}, "
                        f"{recipient}, "
                        f"{created} FROM {self.d.seq(lo, hi)}"
                    )

                done += self.insert_chunks(f"{kind} profiles", count, statement)
        return done

    # -- deliveries and their plan ------------------------------------------------------

    def targets(self):
        """Per target group: (table base, first index, range, strides). Recipients below
        85 % are targeted by any channel, 80-92 % by social ones, the rest never."""
        n_r, groups = self.c.recipients, {}
        groups["recipient"] = (self.base["Recipient"], 0, max(1, n_r * 85 // 100))
        social_lo = n_r * 80 // 100
        groups["social"] = (self.base["Recipient"], social_lo, max(1, n_r * 92 // 100 - social_lo))
        offsets = self.kind_offsets()
        for kind, count in self.kind_counts().items():
            groups[kind] = (offsets[kind], 0, max(1, count * 85 // 100))
        return {
            key: (base, lo, size, [p for p in STRIDE_PRIMES if size % p][:4])
            for key, (base, lo, size) in groups.items()
        }

    def plan(self):
        """The temporary table `datagen_plan`: one row per delivery with everything the
        fact tables derive from it (life, start, target range, log/hit/proposition slices)."""
        n, c, w = self.c.deliveries, self.c, self.window
        channel = _pick(
            self.r("i", "channel"),
            [
                (45, "'email'"),
                (15, "'sms'"),
                (15, "'push'"),
                (5, "'mail'"),
                (10, "'facebook'"),
                (10, "'twitter'"),
            ],
        )
        life = _pick(
            self.r("i", "life"), [(4, "'provisional'"), (3, "'scheduled'"), (3, "'edition'"), (90, "'sent'")]
        )
        self.sql("DROP TABLE IF EXISTS datagen_plan0")
        self.sql(
            "CREATE TEMP TABLE datagen_plan0 AS SELECT i, "
            f"{channel} AS channel, {life} AS life, {self.r('i', 'target')} % 100 AS rt, "
            f"{self.r('i', 'start')} % {w} AS start_off, {self.r('i', 'deleted')} % 100 < 5 AS deleted, "
            f"{self.r('i', 'weight')} AS rw, {self.r('i', 'pos')} AS rp, {self.r('i', 'misc')} AS rx "
            f"FROM {self.d.seq(1, n)}"
        )
        for i, (code, target, life, before, deleted) in enumerate(SHOWCASE[:n], start=1):
            self.sql(
                f"UPDATE datagen_plan0 SET channel = {_q(code)}, life = {_q(life)}, "
                f"rt = {-1 if target == 'recipient' else _rt_for(target)}, "
                f"start_off = {max(0, w - before)} - rp % {min(3000, max(1, w - before))}, "
                f"deleted = {'TRUE' if deleted else 'FALSE'}, "
                f"rx = rx - rx % 100 + 50 WHERE i = {i}"  # rx % 100 = 50: plainly finished
            )
        kinds = self.kind_counts()
        # The target table: by channel; external tables only when they have profiles.
        external = {
            "email": [(10, "cookie"), (10, "customer")],
            "sms": [(15, "customer")],
            "push": [(35, "mobile")],
        }
        target_whens = []
        for code, options in external.items():
            acc = 0
            for pct, kind in options:
                lo, acc = acc, acc + pct
                if kinds[kind]:
                    target_whens.append(
                        f"WHEN channel = {_q(code)} AND rt >= {lo} AND rt < {acc} THEN {_q(kind)}"
                    )
            for kind in ("cookie", "customer", "mobile"):
                if kinds[kind]:
                    target_whens.append(f"WHEN channel = {_q(code)} AND rt = {_rt_for(kind)} THEN {_q(kind)}")
        target = f"CASE {' '.join(target_whens)} ELSE 'recipient' END" if target_whens else "'recipient'"
        social = "channel IN ('facebook', 'twitter')"
        groups = self.targets()

        def by_group(pick):
            whens = " ".join(f"WHEN {_q(k)} THEN {pick(v)}" for k, v in groups.items() if k != "recipient")
            return f"CASE grp {whens} ELSE {pick(groups['recipient'])} END"

        stride = by_group(lambda g: _choice("rx / 100", [str(p) for p in g[3]]))
        sent = "life = 'sent'"
        weight = (
            f"CASE WHEN {sent} THEN (20 + rw % 100 + CASE WHEN rw / 100 % 10 = 0 THEN 400 ELSE 0 END) "
            "/ CASE WHEN grp = 'recipient' THEN 1 WHEN grp = 'social' THEN 2 ELSE 4 END ELSE 0 END"
        )
        state = (  # sent in the last day: still in progress
            "CASE life WHEN 'sent' THEN CASE "
            f"WHEN {w} - start_off < {DAY} THEN 'in_progress' "
            "WHEN rx % 100 < 2 THEN 'stopped' WHEN rx % 100 < 3 THEN 'failed' ELSE 'finished' END "
            "WHEN 'edition' THEN 'edition' ELSE 'pending' END"
        )
        self.sql("DROP TABLE IF EXISTS datagen_plan1")
        self.sql(
            "CREATE TEMP TABLE datagen_plan1 AS SELECT x.*, "
            f"{self.base['Delivery']} + i AS id, "
            f"{by_group(lambda g: g[0])} AS tbase, {by_group(lambda g: g[1])} AS plo, "
            f"{by_group(lambda g: g[2])} AS prange, rp % {by_group(lambda g: g[2])} AS ppos, {stride} AS "
            "stride, "
            f"{weight} AS w, {state} AS state, "
            f"{self.d.least('21600', f'{w} - start_off')} AS spread_s, "
            f"{self.d.least(str(7 * DAY), f'{w} - start_off')} AS spread_l, "
            f"CASE WHEN {sent} THEN CASE WHEN channel IN ('email', 'sms') THEN 880 ELSE 850 END + rx % 100 "
            "ELSE 0 END AS rate "
            f"FROM (SELECT y.*, CASE WHEN {social} THEN 'social' ELSE tgt END AS grp FROM "
            f"(SELECT datagen_plan0.*, {target} AS tgt FROM datagen_plan0) y) x"
        )
        total_w = int(self.one("SELECT COALESCE(SUM(w), 0) FROM datagen_plan1")[0])
        logs = c.delivery_logs
        if logs and not total_w:
            raise GenerationError("delivery logs need sent deliveries; raise deliveries")
        # Each delivery gets the logs lo+1..lo+n: the floors of a cumulative share, so
        # that the slices add up to exactly `delivery_logs`.
        self.sql("DROP TABLE IF EXISTS datagen_plan2")
        self.sql(
            "CREATE TEMP TABLE datagen_plan2 AS SELECT z.*, n * rate / 1000 AS n_ok, "
            "CASE WHEN trackable THEN ROW_NUMBER() OVER (PARTITION BY trackable ORDER BY i) END AS t "
            f"FROM (SELECT y.*, {logs} * (cw - w) / {total_w or 1} AS lo, "
            f"{logs} * cw / {total_w or 1} - {logs} * (cw - w) / {total_w or 1} AS n, "
            f"({sent} AND channel IN ('email', 'push')) AS trackable FROM "
            "(SELECT datagen_plan1.*, CAST(SUM(w) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) AS BIGINT) AS "
            "cw "
            "FROM datagen_plan1) y) z"
        )
        self.trackable = self.one("SELECT COUNT(*) FROM datagen_plan2 WHERE trackable")[0]
        # Hits go to trackable deliveries, propositions to recipient email deliveries, both
        # in proportion to their successful logs.
        hit_w = "CASE WHEN trackable THEN n_ok ELSE 0 END"
        prop_w = (
            f"CASE WHEN {sent} AND channel = 'email' AND tgt = 'recipient' AND grp = 'recipient' "
            "THEN n_ok ELSE 0 END"
        )
        totals = self.one(f"SELECT COALESCE(SUM({hit_w}), 0), COALESCE(SUM({prop_w}), 0) FROM datagen_plan2")
        hits_total, props_total = int(totals[0]), int(totals[1])
        if c.tracking_hits and not hits_total:
            raise GenerationError(
                "tracking hits need successful email or push delivery logs; raise delivery_logs"
            )
        hits = c.tracking_hits
        self.linked_props = c.propositions * 60 // 100 if props_total else 0
        props = self.linked_props
        self.sql("DROP TABLE IF EXISTS datagen_plan")
        self.sql(
            "CREATE TEMP TABLE datagen_plan AS SELECT v.*, "
            f"{hits} * (hc - hw) / {hits_total or 1} AS hlo, "
            f"{hits} * hc / {hits_total or 1} - {hits} * (hc - hw) / {hits_total or 1} AS hn, "
            f"{props} * (pc - pw) / {props_total or 1} AS plo2, "
            f"{props} * pc / {props_total or 1} - {props} * (pc - pw) / {props_total or 1} AS pn "
            f"FROM (SELECT u.*, CAST(SUM(hw) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) AS BIGINT) AS hc, "
            "CAST(SUM(pw) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) AS BIGINT) AS pc "
            f"FROM (SELECT datagen_plan2.*, {hit_w} AS hw, {prop_w} AS pw FROM datagen_plan2) u) v"
        )
        for name in ("datagen_plan0", "datagen_plan1", "datagen_plan2"):
            self.sql(f"DROP TABLE {name}")
        if connection.vendor == "sqlite":
            self.sql("CREATE INDEX datagen_plan_t ON datagen_plan (t)")
        upto = max(v or 0 for v in self.one("SELECT MAX(n), MAX(hn), MAX(pn) FROM datagen_plan"))
        with connection.cursor() as cursor:
            self.d.numbers(cursor, upto)

    def deliveries(self):
        self.plan()
        w = self.window
        channel_id = _case("channel", {code: ch.pk for code, ch in self.channels.items()})
        channel_label = _case("channel", {code: _q(ch.label) for code, ch in self.channels.items()})
        label = f"{_choice(self.r('i', 'label'), _lits(THEMES))} || ' (' || {channel_label} || ') #' || i"
        mode = (
            "CASE life WHEN 'provisional' THEN 'provisional' WHEN 'scheduled' THEN 'scheduled' "
            "WHEN 'edition' THEN 'immediate' ELSE CASE WHEN rx / 100 % 10 < 4 THEN 'scheduled' "
            "ELSE 'immediate' END END"
        )
        planned = (
            f"CASE life WHEN 'provisional' THEN {w} + {HOUR} + rp % {60 * DAY} "
            f"WHEN 'scheduled' THEN {w} + {HOUR} + rp % {14 * DAY} "
            "WHEN 'sent' THEN CASE WHEN rx / 100 % 10 < 4 THEN start_off END END"
        )
        created = (
            f"CASE WHEN life = 'sent' THEN {self.d.greatest('0', f'start_off - rw % {5 * DAY}')} "
            f"ELSE {w} - {HOUR} - rw % {30 * DAY} END"
        )
        deleted_at = (
            f"CASE WHEN NOT deleted THEN NULL WHEN life = 'sent' THEN start_off + rp % ({w} - start_off) "
            f"ELSE {w} - rp % {HOUR} END"
        )
        started = self.t("CASE WHEN life = 'sent' THEN start_off END")
        valid_until = self.t(f"CASE WHEN life = 'sent' THEN start_off + {5 * DAY} END")
        return self.sql(
            "INSERT INTO campaign_delivery (id, label, channel_id, profile_table, state, scheduling_mode, "
            "planned_at, started_at, valid_until, deleted, deleted_at, created_at, updated_at) "
            f"SELECT id, {label}, {channel_id}, tgt, state, {mode}, {self.t(planned)}, "
            f"{started}, {valid_until}, deleted, "
            f"{self.t(deleted_at)}, {self.t(created)}, {self.t(w)} FROM datagen_plan"
        )

    # -- delivery logs -------------------------------------------------------------------

    def address(self, x):
        """The address a message of channel/target goes to, for the profile of row x."""
        return (
            f"CASE WHEN {x}.tgt = 'recipient' THEN CASE {x}.channel "
            f"WHEN 'email' THEN {self.email(f'{x}.pidx', f'{x}.profile_id')} "
            f"WHEN 'sms' THEN {self.phone(f'{x}.profile_id')} "
            f"WHEN 'push' THEN 'push-' || {x}.profile_id "
            f"WHEN 'facebook' THEN 'fb:' || {x}.profile_id "
            f"WHEN 'twitter' THEN '@' || {self.first_slug(f'{x}.pidx')} || {x}.profile_id "
            "ELSE '' END "
            + " ".join(
                f"WHEN {x}.tgt = {_q(kind)} THEN {self.external_id(kind, f'{x}.profile_id')}"
                for kind in ("cookie", "customer", "mobile")
            )
            + " ELSE '' END"
        )

    def log_time(self, x):
        """A successful log's event time (offset): the hits recompute it."""
        return f"{x}.start_off + {self.r(f'{x}.gl', 'ltime')} % {x}.spread_s"

    def delivery_logs(self):
        total, lb, fence = self.c.delivery_logs, self.base["DeliveryLog"], self.d.fence
        source, where = self.d.expand("datagen_plan", "n")
        success = (  # delivery reports confirm most mobile messages
            "CASE WHEN b.channel IN ('sms', 'push') AND b.rs / 100 % 100 < 85 "
            "THEN 'delivered' ELSE 'sent' END"
        )
        status = (
            f"CASE WHEN b.k <= b.n_ok THEN {success} "
            "WHEN b.state = 'in_progress' AND b.rs % 100 < 70 THEN CASE WHEN b.rs % 2 = 0 "
            "THEN 'pending' ELSE 'prepared' END "
            "WHEN b.state = 'stopped' AND b.rs % 100 < 60 THEN 'cancelled' "
            "WHEN b.rs % 100 < 75 THEN 'failed' ELSE 'ignored' END"
        )
        group = "CASE WHEN c.channel IN ('email', 'sms', 'push') THEN c.channel ELSE 'other' END"
        failed = _case(
            group, {g: _pick("c.rr", [(wt, str(code)) for wt, code in mix]) for g, mix in FAILED_MIX.items()}
        )
        fcode = (
            f"CASE c.status WHEN 'failed' THEN {failed} WHEN 'ignored' THEN "
            f"{_pick('c.rr', [(wt, str(code)) for wt, code in IGNORED_MIX])} ELSE 0 END"
        )
        event = (
            "c.start_off + CASE WHEN c.status = 'failed' THEN c.rt % c.spread_l ELSE c.rt % c.spread_s END"
        )
        size = (
            "CASE WHEN c.status IN ('ignored', 'pending', 'cancelled') THEN 0 ELSE CASE c.channel "
            "WHEN 'email' THEN 12000 + c.rz % 60000 WHEN 'sms' THEN 160 * (1 + c.rz % 3) "
            "WHEN 'push' THEN 300 + c.rz % 1700 WHEN 'mail' THEN 0 ELSE 200 + c.rz % 800 END END"
        )
        ftype = _case("d.fcode", {code: _q(v[0]) for code, v in FAILURES.items()}, "''")
        freason = _case("d.fcode", {code: _q(v[1].value) for code, v in FAILURES.items()}, "''")
        ftext = _case("d.fcode", {code: v[2].format(addr="d.address") for code, v in FAILURES.items()}, "''")

        def statement(lo, hi):
            return (
                "INSERT INTO campaign_deliverylog (id, delivery_id, profile_table, profile_id, address, "
                "status, "
                "failure_type, failure_reason, error_text, message_size, event_at) "
                f"SELECT d.id, d.delivery_id, d.tgt, d.profile_id, d.address, d.status, {ftype}, {freason}, "
                f"{ftext}, d.size, {self.t('d.event_off')} FROM ("
                f"SELECT c.*, {fcode} AS fcode, {event} AS event_off, {size} AS size FROM ("
                f"SELECT b.*, {status} AS status, {self.address('b')} AS address FROM ("
                f"SELECT a.*, a.tbase + a.pidx AS profile_id, {self.r('a.gl', 'lstatus')} AS rs, "
                f"{self.r('a.gl', 'lreason')} AS rr, {self.r('a.gl', 'ltime')} AS rt, "
                f"{self.r('a.gl', 'lsize')} AS rz FROM ("
                "SELECT p.id AS delivery_id, p.channel, p.tgt, p.state, p.start_off, p.spread_s, "
                "p.spread_l, "
                f"p.n_ok, p.tbase, {lb} + p.lo + g.k AS id, p.lo + g.k AS gl, g.k AS k, "
                "p.plo + (p.ppos + g.k * p.stride) % p.prange + 1 AS pidx "
                f"FROM {source} WHERE {where} AND p.n > 0 AND p.lo >= {lo - 1} AND p.lo < {hi}"
                f"{fence}) a{fence}) b{fence}) c{fence}) d"
            )

        with self.bulk(DeliveryLog, total):
            return self.insert_chunks("delivery logs", total, statement)

    # -- tracking ----------------------------------------------------------------------

    def url_kind(self, url_i, m):
        """The kind of the tracking URL number url_i, the m-th of its delivery (SQL)."""
        pick = _pick(self.r(url_i, "ukind"), [(85, "'click'"), (8, "'optout'"), (7, "'mirror'")])
        return f"CASE WHEN {m} = 0 THEN 'open' ELSE {pick} END"

    def tracking_urls(self):
        n, ub, big_t = self.c.tracking_urls, self.base["TrackingUrl"], self.trackable
        if n and not big_t:
            raise GenerationError("tracking URLs need sent email or push deliveries; raise deliveries")
        if not n:
            return 0
        click = _choice(
            self.r("x.i", "ulabel"),
            _lits(["Shop now", "See the offer", "Read more", "Find a store", "Download the app"]),
        )
        path = _choice(self.r("x.i", "upath"), _lits(["shop", "offers", "blog/news", "stores", "app"]))
        label = (
            f"CASE x.kind WHEN 'open' THEN 'Open tracking' WHEN 'optout' THEN 'Unsubscribe' "
            f"WHEN 'mirror' THEN 'Mirror page' ELSE {click} END"
        )
        url = (
            "CASE x.kind WHEN 'open' THEN 'https://t.example.com/o/' || x.delivery_id "
            "WHEN 'optout' THEN 'https://www.example.com/unsubscribe?d=' || x.delivery_id "
            "WHEN 'mirror' THEN 'https://www.example.com/mirror/' || x.delivery_id "
            f"ELSE 'https://www.example.com/' || {path} || '?utm_campaign=d' || x.delivery_id END"
        )

        def statement(lo, hi):
            return (
                "INSERT INTO campaign_trackingurl (id, delivery_id, label, url, kind) "
                f"SELECT {ub} + x.i, x.delivery_id, {label}, {url}, x.kind FROM ("
                f"SELECT seq.i, p.id AS delivery_id, {self.url_kind('seq.i', f'(seq.i - 1) / {big_t}')} AS "
                "kind "
                f"FROM {self.d.seq(lo, hi)} JOIN datagen_plan p ON p.t = (seq.i - 1) % {big_t} + 1"
                f"{self.d.fence}) x"
            )

        with self.bulk(TrackingUrl, n):
            return self.insert_chunks("tracking urls", n, statement)

    def tracking_hits(self):
        total, hb, fence, w = self.c.tracking_hits, self.base["TrackingHit"], self.d.fence, self.window
        n_u, ub, big_t = self.c.tracking_urls, self.base["TrackingUrl"], self.trackable
        source, where = self.d.expand("datagen_plan", "hn")
        count = f"CASE WHEN p.t <= {n_u} THEN ({n_u} - p.t) / {big_t or 1} + 1 ELSE 0 END"
        # A hit comes from a profile with a successful log (k <= n_ok), after that log.
        user_agent = _choice("d.rua", _lits(USER_AGENTS))
        consolidated = (
            f"CASE WHEN d.hit_off < {w - 2 * HOUR} THEN "
            f"{self.d.ts(f'{self.start} + d.hit_off - ({self.start} + d.hit_off) % {HOUR} + {HOUR}')} END"
        )

        def statement(lo, hi):
            return (
                "INSERT INTO campaign_trackinghit (id, delivery_id, url_id, profile_table, profile_id, "
                "kind, hit_at, "
                "user_agent, consolidated_at) "
                f"SELECT d.id, d.delivery_id, {ub} + d.url_i, d.tgt, d.profile_id, "
                f"CASE WHEN d.m IS NULL THEN 'open' ELSE {self.url_kind('d.url_i', 'd.m')} END, "
                f"{self.t('d.hit_off')}, {user_agent}, {consolidated} FROM ("
                f"SELECT c.*, c.e + c.rh % {self.d.least(str(3 * DAY), f'{w} - c.e')} AS hit_off, "
                "c.t + c.big_t * c.m AS url_i FROM ("
                f"SELECT b.*, {self.log_time('b')} AS e, "
                "CASE WHEN b.cnt = 0 THEN NULL WHEN b.rm % 2 = 0 THEN 0 ELSE b.rm / 2 % b.cnt END AS m FROM ("
                f"SELECT a.*, a.tbase + a.pidx AS profile_id, a.lo + a.kl AS gl, "
                f"{self.r('a.hg', 'hdelay')} AS rh, {self.r('a.hg', 'hua')} AS rua, "
                f"{self.r('a.hg', 'hurl')} AS rm FROM ("
                f"SELECT x.*, x.plo + (x.ppos + x.kl * x.stride) % x.prange + 1 AS pidx FROM ("
                f"SELECT {hb} + p.hlo + g.k AS id, p.hlo + g.k AS hg, p.id AS delivery_id, p.tgt, p.tbase, "
                f"p.plo, p.ppos, p.stride, p.prange, p.lo, p.start_off, p.spread_s, p.t, {big_t or 1} AS "
                "big_t, "
                f"{count} AS cnt, 1 + {self.r('p.hlo + g.k', 'hlog')} % p.n_ok AS kl "
                f"FROM {source} WHERE {where} AND p.hn > 0 AND p.hlo >= {lo - 1} AND p.hlo < {hi}"
                f"{fence}) x{fence}) a{fence}) b{fence}) c{fence}) d"
            )

        with self.bulk(TrackingHit, total):
            return self.insert_chunks("tracking hits", total, statement)

    # -- Message Center ----------------------------------------------------------------

    def event_types(self):
        self.event_type_ids = []
        for number in range(1, self.c.event_types + 1):
            name, label = (
                EVENT_TYPES[number - 1]
                if number <= len(EVENT_TYPES)
                else (f"custom_event_{number}", f"Custom event {number}")
            )
            event_type, _ = EventType.objects.get_or_create(name=name, defaults={"label": label})
            self.event_type_ids.append(event_type.pk)
        return len(self.event_type_ids)

    def events(self):
        n, w, fence = self.c.events, self.window, self.d.fence
        if not n:
            return 0
        rb, active = self.base["Recipient"], max(1, self.c.recipients * 85 // 100)
        channel = _pick("a.rc", [(75, "'email'"), (15, "'sms'"), (10, "'push'")])
        known = f"a.rk % 100 < 35 AND {self.c.recipients} > 0"
        created = (
            f"CASE WHEN a.rtime % 100 < 3 THEN {w} - 1 - a.rtime / 100 % {DAY} ELSE a.rtime / 100 % {w} END"
        )
        mix = _pick("b.rs", [(90, "'processed'"), (6, "'error'"), (4, "'ignored'")])
        status = f"CASE WHEN b.created_off > {w - 600} THEN 'pending' ELSE {mix} END"
        guest_domain = _pick(self.r("b.i", "edomain"), [(wt, _q(d)) for wt, d in DOMAINS])
        address = (
            "CASE WHEN c.known THEN CASE c.channel "
            f"WHEN 'email' THEN {self.email('c.pidx', 'c.profile_id')} WHEN 'sms' THEN "
            f"{self.phone('c.profile_id')} "
            "ELSE 'push-' || c.profile_id END "
            f"ELSE CASE c.channel WHEN 'email' THEN 'guest' || c.i || '@' || c.domain "
            "WHEN 'sms' THEN '+337' || (10000000 + c.i % 89999999) ELSE 'tok-' || c.i END END"
        )
        channel_id = _case("c.channel", {code: self.channels[code].pk for code in ("email", "sms", "push")})
        type_id = _choice("c.rt", [str(pk) for pk in self.event_type_ids])
        payload = self.d.json(
            '\'{"reference": "EV\' || c.i || \'", "amount": \' || (c.rt / 100 % 50000) || '
            f"', \"lang\": \"' || {_choice('c.rt / 7', _lits(['fr', 'en', 'de']))} || '\"}}'"
        )
        errors = (
            "CASE c.status WHEN 'error' THEN 1 + c.rs / 100 % 3 WHEN 'processed' THEN "
            "CASE WHEN c.rs / 100 % 20 = 0 THEN 1 ELSE 0 END ELSE 0 END"
        )
        processed = "CASE WHEN c.status = 'pending' THEN NULL ELSE c.created_off + c.rs / 1000 % 120 END"

        def statement(lo, hi):
            return (
                "INSERT INTO campaign_event (id, event_type_id, channel_id, status, email, profile_table, "
                "profile_id, "
                "created_at, processed_at, error_count, payload) "
                f"SELECT {self.base['Event']} + c.i, {type_id}, {channel_id}, c.status, {address}, "
                f"CASE WHEN c.known THEN 'recipient' ELSE '' END, CASE WHEN c.known THEN c.profile_id END, "
                f"{self.t('c.created_off')}, {self.t(processed)}, {errors}, {payload} FROM ("
                f"SELECT b.*, {status} AS status, {guest_domain} AS domain FROM ("
                f"SELECT a.*, {channel} AS channel, {known} AS known, {created} AS created_off, "
                f"1 + a.rp % {active} AS pidx, {rb} + 1 + a.rp % {active} AS profile_id FROM ("
                f"SELECT i, {self.r('i', 'echannel')} AS rc, {self.r('i', 'eknown')} AS rk, "
                f"{self.r('i', 'etime')} AS rtime, {self.r('i', 'eprofile')} AS rp, "
                f"{self.r('i', 'estatus')} AS rs, {self.r('i', 'etype')} AS rt FROM {self.d.seq(lo, hi)}"
                f"{fence}) a{fence}) b{fence}) c"
            )

        with self.bulk(Event, n):
            return self.insert_chunks("events", n, statement)

    # -- quarantine --------------------------------------------------------------------

    def quarantine(self):
        n, n_r, w, fence = self.c.quarantine, self.c.recipients, self.window, self.d.fence
        if not n:
            return 0
        rb, qb = self.base["Recipient"], self.base["Quarantine"]
        step = next(p for p in STRIDE_PRIMES if n_r == 0 or n_r % p)
        # Rows 1..recipients take distinct recipients (a stride coprime with their count),
        # so (address, channel) is unique; further rows get addresses of their own.
        ridx = f"(seq.i - 1) * {step} % {max(n_r, 1)} + 1"
        status = _pick(
            "a.rs", [(40, "'quarantine'"), (35, "'with_errors'"), (15, "'valid'"), (10, "'denylisted'")]
        )
        hard = _pick(
            "b.rr",
            [
                (50, _q(FR.USER_UNKNOWN)),
                (20, _q(FR.MAILBOX_FULL)),
                (15, _q(FR.INVALID_DOMAIN)),
                (15, _q(FR.REFUSED)),
            ],
        )
        soft = _pick(
            "b.rr",
            [
                (45, _q(FR.MAILBOX_FULL)),
                (25, _q(FR.UNREACHABLE)),
                (20, _q(FR.INVALID_DOMAIN)),
                (10, _q(FR.INACTIVE_MAILBOX)),
            ],
        )
        reason = (
            f"CASE b.status WHEN 'quarantine' THEN {hard} WHEN 'with_errors' THEN {soft} "
            f"WHEN 'valid' THEN {_q(FR.MAILBOX_FULL)} ELSE {_q(FR.DENYLISTED)} END"
        )
        last_error = (
            f"CASE b.status WHEN 'with_errors' THEN {w} - b.rt % {45 * DAY} WHEN 'denylisted' THEN NULL "
            f"ELSE b.rt % {w} END"
        )
        errors = (
            "CASE c.status WHEN 'quarantine' THEN CASE WHEN c.reason = 'user_unknown' THEN 1 ELSE 5 END "
            "WHEN 'with_errors' THEN 1 + c.rr / 100 % 4 ELSE 0 END"
        )
        success = f"CASE WHEN c.status = 'valid' THEN c.last_error + 1 + c.rt / 7 % ({w} - c.last_error) END"
        created = f"COALESCE(c.last_error - c.rt / 11 % {30 * DAY}, c.rt % {w})"
        address = (
            f"CASE WHEN a.i > {n_r} THEN 'bounce' || ({qb} + a.i) || '@example.invalid' "
            f"WHEN a.sms THEN {self.phone('a.profile_id')} ELSE {self.email('a.ridx', 'a.profile_id')} END"
        )
        sms, email = self.channels["sms"].pk, self.channels["email"].pk
        channel = f"CASE WHEN a.sms AND a.i <= {n_r} THEN {sms} ELSE {email} END"

        def statement(lo, hi):
            return (
                "INSERT INTO campaign_quarantine (id, address, channel_id, status, error_count, "
                "last_error_at, "
                "last_error_reason, last_success_at, created_at, updated_at) "
                f"SELECT {qb} + d.i, d.address, d.channel_id, d.status, d.errors, {self.t('d.last_error')}, "
                "d.reason, "
                f"{self.t('d.success')}, {self.t('d.created')}, "
                f"{self.t('COALESCE(d.success, d.last_error, d.created)')} FROM ("
                f"SELECT c.*, {errors} AS errors, {success} AS success, {created} AS created FROM ("
                f"SELECT b.*, {reason} AS reason, {last_error} AS last_error FROM ("
                f"SELECT a.i, a.rs, a.rr, a.rt, {status} AS status, {address} AS address, {channel} AS "
                "channel_id "
                f"FROM (SELECT seq.i, {ridx} AS ridx, {rb} + {ridx} AS profile_id, "
                f"{self.r('seq.i', 'qchannel')} % 100 >= 80 AS sms, {self.r('seq.i', 'qstatus')} AS rs, "
                f"{self.r('seq.i', 'qreason')} AS rr, {self.r('seq.i', 'qtime')} AS rt FROM "
                f"{self.d.seq(lo, hi)}"
                f"{fence}) a{fence}) b{fence}) c{fence}) d"
            )

        with self.bulk(Quarantine, n):
            return self.insert_chunks("quarantine", n, statement)

    # -- offers ------------------------------------------------------------------------

    def environments(self):
        """Reuse a recipient design/live pair if there is one; otherwise create it."""
        from offers.choices import EnvironmentKind
        from offers.models import Environment

        design = (
            Environment.objects.filter(
                kind=EnvironmentKind.DESIGN, profile_table=ProfileTable.RECIPIENT, live__isnull=False
            )
            .order_by("id")
            .first()
        )
        created = 0
        if design is None:
            live, made = Environment.objects.get_or_create(
                name="Recipients (live)", defaults={"kind": EnvironmentKind.LIVE}
            )
            design, made_design = Environment.objects.get_or_create(
                name="Recipients (design)", defaults={"kind": EnvironmentKind.DESIGN, "live": live}
            )
            created = made + made_design
        self.design_env, self.live_env = design.pk, design.live_id
        return created

    def categories(self):
        n, cb = self.c.categories, self.base["Category"]
        if not n:
            return 0
        top = max(1, n // 4)
        name = (
            f"CASE WHEN i <= {top} THEN {_choice('i - 1', _lits(CATEGORY_THEMES))} "
            "ELSE "
            f"{_choice(self.r('i', 'csub'), _lits(['Premium', 'Basic', 'Family', 'Youth', 'Business']))} "
            f"END || ' ' || ({cb} + i)"
        )
        parent = f"CASE WHEN i <= {top} THEN NULL ELSE {cb} + 1 + {self.r('i', 'cparent')} % {top} END"
        done = self.sql(
            "INSERT INTO offers_category (id, environment_id, parent_id, name, enabled, design_category_id) "
            f"SELECT {cb} + i, {self.design_env}, {parent}, {name}, {self.r('i', 'cenabled')} % 10 > 0, NULL "
            f"FROM {self.d.seq(1, n)}"
        )
        # The live copies, as offerMgt deploys every category.
        return done + self.sql(
            "INSERT INTO offers_category (id, environment_id, parent_id, name, enabled, design_category_id) "
            f"SELECT id + {n}, {self.live_env}, parent_id + {n}, name, enabled, id FROM offers_category "
            f"WHERE id > {cb} AND id <= {cb + n}"
        )

    def offer_spaces(self):
        n, sb = self.c.offer_spaces, self.base["OfferSpace"]
        if not n:
            return 0
        codes = ["email", "push", "sms", "email", "mail"]
        channel = _case("(i - 1) % 5", {k: self.channels[code].pk for k, code in enumerate(codes)})
        name = _case(
            "(i - 1) % 5",
            {
                k: _q(label)
                for k, label in enumerate(
                    ["Email banner", "Push message", "SMS text", "Email footer", "Direct mail insert"]
                )
            },
        )
        done = 0
        for env, offset in ((self.design_env, 0), (self.live_env, n)):
            done += self.sql(
                "INSERT INTO offers_offerspace (id, environment_id, name, channel_id) "
                f"SELECT {sb + offset} + i, {env}, {name} || ' ' || ({sb} + i), {channel} FROM "
                f"{self.d.seq(1, n)}"
            )
        return done

    def offers(self):
        n, ob, cb, w = self.c.offers, self.base["Offer"], self.base["Category"], self.window
        if not n:
            self.live_offers = 0
            return 0
        mix = _pick(
            self.r("i", "ostatus"),
            [
                (20, "'edition'"),
                (10, "'pending_approval'"),
                (10, "'approved'"),
                (50, "'live'"),
                (10, "'disabled'"),
            ],
        )
        status = f"CASE WHEN i = 1 THEN 'live' ELSE {mix} END"  # at least one live offer for the propositions
        gifts = _lits(["-10 %", "Free delivery", "Double points", "Gift", "Upgrade", "Welcome pack"])
        label = f"{_choice(self.r('i', 'olabel'), gifts)} || ' #' || ({ob} + i)"
        valid_from = f"{self.r('i', 'ofrom')} % {w}"
        approved = (
            f"CASE x.status WHEN 'approved' THEN {w} - x.rt % {2 * HOUR} "
            f"WHEN 'live' THEN {self.d.greatest('0', f'x.valid_from - x.rt % {DAY}')} END"
        )
        done = self.sql(
            "INSERT INTO offers_offer (id, environment_id, category_id, code, label, status, weight, "
            "valid_from, "
            "valid_until, content, design_offer_id, approved_by_id, approved_at, updated_at) "
            f"SELECT {ob} + x.i, {self.design_env}, {cb} + 1 + x.rc % {self.c.categories}, "
            f"'ofr-' || ({ob} + x.i), x.label, x.status, 1 + x.rt % 10, {self.t('x.valid_from')}, "
            f"{self.t(f'x.valid_from + {30 * DAY} + x.rt % {335 * DAY}')}, "
            f"'Dear customer, enjoy ' || x.label || '.', NULL, NULL, {self.t(approved)}, {self.t(w)} FROM ("
            f"SELECT i, {status} AS status, {label} AS label, {valid_from} AS valid_from, "
            f"{self.r('i', 'ocategory')} AS rc, {self.r('i', 'omisc')} AS rt FROM "
            f"{self.d.seq(1, n)}{self.d.fence}) x"
        )
        # Live copies of the offers in status "live", as a past offerMgt run leaves them.
        self.live_offers = self.sql(
            "INSERT INTO offers_offer (id, environment_id, category_id, code, label, status, weight, "
            "valid_from, "
            "valid_until, content, design_offer_id, approved_by_id, approved_at, updated_at) "
            f"SELECT {ob + n} + ROW_NUMBER() OVER (ORDER BY id), {self.live_env}, category_id + "
            f"{self.c.categories}, "
            "code, label, 'live', weight, valid_from, valid_until, content, id, NULL, approved_at, "
            "updated_at "
            f"FROM offers_offer WHERE id > {ob} AND id <= {ob + n} AND status = 'live'"
        )
        return done + self.live_offers

    def propositions(self):
        from offers.models import Proposition

        n, pb, w, fence = self.c.propositions, self.base["Proposition"], self.window, self.d.fence
        if not n:
            return 0
        live_lo, spaces = self.base["Offer"] + self.c.offers, self.c.offer_spaces
        offer = f"{live_lo} + 1 + z.ro % {self.live_offers}"
        space = f"{self.base['OfferSpace'] + spaces} + 1 + z.ro / 7 % {spaces}" if spaces else "NULL"
        status = _pick(
            "z.rs",
            [
                (25, "'generated'"),
                (45, "'presented'"),
                (12, "'interested'"),
                (10, "'accepted'"),
                (8, "'rejected'"),
            ],
        )
        columns = (
            "INSERT INTO offers_proposition (id, offer_id, space_id, delivery_id, profile_table, profile_id, "
            "status, weight, proposed_at) "
        )
        final = (
            f"SELECT z.id, {offer}, {space}, z.delivery_id, 'recipient', z.profile_id, {status}, "
            f"(z.rs / 100 % 1000) / 100.0, {self.t('z.proposed_off')} FROM "
        )
        source, where = self.d.expand("datagen_plan", "pn")

        def linked(lo, hi):
            # Made in a recipient email delivery, to one of its targets, before sending.
            return (
                columns + final + "("
                f"SELECT y.*, {self.r('y.pg', 'poffer')} AS ro, {self.r('y.pg', 'pstatus')} AS rs FROM ("
                f"SELECT {pb} + p.plo2 + g.k AS id, p.plo2 + g.k AS pg, p.id AS delivery_id, "
                f"p.tbase + p.plo + (p.ppos + (1 + {self.r('p.plo2 + g.k', 'plog')} % p.n_ok) * p.stride) "
                "% p.prange "
                f"+ 1 AS profile_id, {self.d.greatest('0', 'p.start_off - p.rw % 3600')} AS proposed_off "
                f"FROM {source} WHERE {where} AND p.pn > 0 AND p.plo2 >= {lo - 1} AND p.plo2 < {hi}"
                f"{fence}) y{fence}) z"
            )

        unlinked_base = pb + self.linked_props

        def unlinked(lo, hi):
            return (
                columns + final + "("
                f"SELECT {unlinked_base} + i AS id, CAST(NULL AS BIGINT) AS delivery_id, "
                f"{self.base['Recipient']} + 1 + {self.r('i', 'pprofile')} % {self.c.recipients} AS "
                "profile_id, "
                f"{self.r('i', 'ptime')} % {w} AS proposed_off, {self.r(f'{n} + i', 'poffer')} AS ro, "
                f"{self.r(f'{n} + i', 'pstatus')} AS rs FROM {self.d.seq(lo, hi)}{fence}) z"
            )

        with self.bulk(Proposition, n):
            done = self.insert_chunks("propositions (deliveries)", self.linked_props, linked)
            done += self.insert_chunks("propositions (other)", n - self.linked_props, unlinked)
        return done


def _rt_for(kind):
    """Plan bucket values that force a target table in the showcase rows (outside 0..99)."""
    return {"cookie": 1001, "customer": 1002, "mobile": 1003}[kind]
