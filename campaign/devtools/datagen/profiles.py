"""Generated profiles: recipients, and external profiles in three blocks of ids (cookie
50 %, customer 30 %, mobile 20 %), some linked to a recipient.

Also the SQL of a profile's addresses (email, phone, external id), which the deliveries,
Message Center events and quarantine entries derive from the same row number, so that
a log's address is its profile's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .sql import choose, literal, literals, numbered, weighted
from .vocabulary import DAY, DOMAINS, FIRST_NAMES, LAST_NAMES, ascii_slug

if TYPE_CHECKING:
    from workflows.plugins import Generation

EXTERNAL_KINDS = {"cookie": 50, "customer": 30, "mobile": 20}  # % of the external profiles
LINKED_PERCENT = {"cookie": 10, "customer": 60, "mobile": 40}  # % linked to a recipient


# --- addresses (SQL) ---------------------------------------------------------------------


def first_name_slug(generation: Generation, row: str) -> str:
    """The email form of the first name of the recipient generated as row `row`."""
    return choose(generation.random(row, "first"), literals(ascii_slug(name) for name in FIRST_NAMES))


def email(generation: Generation, row: str, profile_id: str) -> str:
    """The email of the recipient generated as row `row`, whose id is `profile_id`."""
    last = choose(generation.random(row, "last"), literals(ascii_slug(name) for name in LAST_NAMES))
    domain = weighted(generation.random(row, "domain"), [(weight, literal(name)) for weight, name in DOMAINS])
    return f"{first_name_slug(generation, row)} || '.' || {last} || ({profile_id}) || '@' || {domain}"


def phone(profile_id: str) -> str:
    return f"'+336' || (10000000 + ({profile_id}) % 89999999)"


def external_id(kind: str, profile_id: str) -> str:
    """The id an external system knows a profile of `kind` by."""
    prefix = {"cookie": "'ck-'", "customer": "'C'", "mobile": "'mob-'"}[kind]
    number = f"(10000000 + {profile_id})" if kind == "customer" else f"({profile_id})"
    return f"{prefix} || {number}"


# --- external profile blocks ---------------------------------------------------------------


def external_counts(generation: Generation) -> dict[str, int]:
    """External profiles per kind; the last kind takes what rounding leaves."""
    total, counts = generation.count("external_profiles"), {}
    kinds = list(EXTERNAL_KINDS)
    for kind in kinds[:-1]:
        counts[kind] = total * EXTERNAL_KINDS[kind] // 100
    counts[kinds[-1]] = total - sum(counts.values())
    return counts


def external_first_ids(generation: Generation) -> dict[str, int]:
    """The id of the first external profile of each kind's block."""
    first_ids, next_id = {}, generation.first_id("campaign.ExternalProfile")
    for kind, count in external_counts(generation).items():
        first_ids[kind] = next_id
        next_id += count
    return first_ids


# --- generators ------------------------------------------------------------------------------


def recipients(generation: Generation) -> int:
    total, first_id = generation.count("recipients"), generation.first_id("campaign.Recipient")
    profile_id = numbered(first_id, "i")
    first = choose(generation.random("i", "first"), literals(FIRST_NAMES))
    last = choose(generation.random("i", "last"), literals(LAST_NAMES))
    created = generation.timestamp(
        f"{generation.window_seconds} - {generation.random('i', 'rcreated')} % {3 * 365 * DAY}"
    )

    def statement(first_row: int, last_row: int) -> str:
        return (
            "INSERT INTO campaign_recipient (id, email, phone, first_name, last_name, created_at) "
            f"SELECT {profile_id}, {email(generation, 'i', profile_id)}, {phone(profile_id)}, {first}, "
            f"{last}, {created} FROM {generation.dialect.series(first_row, last_row)}"
        )

    with generation.bulk_load("campaign.Recipient", total):
        return generation.insert_chunks("recipients", total, statement)


def external_profiles(generation: Generation) -> int:
    recipient_count = generation.count("recipients")
    first_recipient = generation.first_id("campaign.Recipient")
    first_ids, done = external_first_ids(generation), 0
    created = generation.timestamp(
        f"{generation.window_seconds} - {generation.random('i', 'ecreated')} % {2 * 365 * DAY}"
    )
    with generation.bulk_load("campaign.ExternalProfile", generation.count("external_profiles")):
        for kind, count in external_counts(generation).items():
            profile_id = numbered(first_ids[kind], "i")
            recipient = (
                f"CASE WHEN {generation.random('i', 'link' + kind)} % 100 < {LINKED_PERCENT[kind]} "
                f"THEN {first_recipient} + {generation.random('i', 'linkto')} % {recipient_count} END"
                if recipient_count
                else "NULL"
            )

            def statement(first_row: int, last_row: int, kind: str = kind, profile_id: str = profile_id,
                          recipient: str = recipient) -> str:  # fmt: skip
                return (
                    "INSERT INTO campaign_externalprofile (id, kind, external_id, recipient_id, created_at) "
                    f"SELECT {profile_id}, {literal(kind)}, {external_id(kind, profile_id)}, {recipient}, "
                    f"{created} FROM {generation.dialect.series(first_row, last_row)}"
                )

            done += generation.insert_chunks(f"{kind} profiles", count, statement)
    return done
