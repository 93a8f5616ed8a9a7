"""The offer catalog's tables for `generate_data`, declared in offers/contributions.py
and built with the core's toolkit (campaign.devtools.datagen).

- An offer environment pair (design + live) for recipients: reused if there is one,
  otherwise created, whenever categories or offer spaces are generated (it has no
  count of its own).
- Categories (a quarter at the top, the others below one of those), offer spaces and
  design offers in every status; the live environment holds what a past offerMgt run
  deployed: a copy of every category and space, and of each offer in status "live".
  Counts are per environment: `categories`, `offer_spaces` and `offers` are design rows.
- Propositions of live offers: 60 % made in the recipient email deliveries of the
  delivery plan, to their targets and in proportion to their successful logs, the
  others to any active recipient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from campaign.choices import ProfileTable
from campaign.devtools.datagen.deliveries import DeliveryPlan, delivery_plan
from campaign.devtools.datagen.sql import case, choose, expand, literal, literals, numbered, weighted
from campaign.devtools.datagen.vocabulary import DAY, HOUR
from workflows.plugins import GeneratedTable

from .choices import EnvironmentKind
from .models import Environment

if TYPE_CHECKING:
    from workflows.plugins import Generation

ENVIRONMENTS_KEY = "offers.environments"  # in Generation.shared: (design id, live id)
LIVE_OFFERS_KEY = "offers.live_offers"  # in Generation.shared: live copies made
PROPOSITION_PLAN_TABLE = "datagen_proposition_plan"
LINKED_PERCENT = 60  # of the propositions, made in deliveries
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
SPACES = [  # (channel code, name), repeated in turn
    ("email", "Email banner"),
    ("push", "Push message"),
    ("sms", "SMS text"),
    ("email", "Email footer"),
    ("mail", "Direct mail insert"),
]


def environments(generation: Generation) -> tuple[int, int]:
    """(design id, live id) of this run's recipient environment pair: reuse the first
    design environment that has a live one, otherwise create the pair."""
    if ENVIRONMENTS_KEY not in generation.shared:
        design = (
            Environment.objects.filter(
                kind=EnvironmentKind.DESIGN, profile_table=ProfileTable.RECIPIENT, live__isnull=False
            )
            .order_by("id")
            .first()
        )
        if design is None:
            live, _ = Environment.objects.get_or_create(
                name="Recipients (live)", defaults={"kind": EnvironmentKind.LIVE}
            )
            design, _ = Environment.objects.get_or_create(
                name="Recipients (design)", defaults={"kind": EnvironmentKind.DESIGN, "live": live}
            )
        generation.shared[ENVIRONMENTS_KEY] = (design.pk, design.live_id)
    return generation.shared[ENVIRONMENTS_KEY]


def categories(generation: Generation) -> int:
    total, first_id = generation.count("categories"), generation.first_id("offers.Category")
    if not total:
        return 0
    design, live = environments(generation)
    top = max(1, total // 4)
    kinds = literals(["Premium", "Basic", "Family", "Youth", "Business"])
    name = (
        f"CASE WHEN i <= {top} THEN {choose('i - 1', literals(CATEGORY_THEMES))} "
        f"ELSE {choose(generation.random('i', 'csub'), kinds)} END || ' ' || ({numbered(first_id, 'i')})"
    )
    parent = (
        f"CASE WHEN i <= {top} THEN NULL ELSE {first_id} + {generation.random('i', 'cparent')} % {top} END"
    )
    done = generation.sql(
        "INSERT INTO offers_category (id, environment_id, parent_id, name, enabled, design_category_id) "
        f"SELECT {numbered(first_id, 'i')}, {design}, {parent}, {name}, "
        f"{generation.random('i', 'cenabled')} % 10 > 0, NULL FROM {generation.dialect.series(1, total)}"
    )
    # The live copies, as offerMgt deploys every category.
    return done + generation.sql(
        "INSERT INTO offers_category (id, environment_id, parent_id, name, enabled, design_category_id) "
        f"SELECT id + {total}, {live}, parent_id + {total}, name, enabled, id FROM offers_category "
        f"WHERE id >= {first_id} AND id < {first_id + total}"
    )


def offer_spaces(generation: Generation) -> int:
    total, first_id = generation.count("offer_spaces"), generation.first_id("offers.OfferSpace")
    if not total:
        return 0
    channel = case(
        f"(i - 1) % {len(SPACES)}",
        {index: generation.channels[code].pk for index, (code, _name) in enumerate(SPACES)},
    )
    name = case(
        f"(i - 1) % {len(SPACES)}", {index: literal(name) for index, (_code, name) in enumerate(SPACES)}
    )
    done = 0
    for environment, offset in zip(environments(generation), (0, total), strict=True):
        done += generation.sql(
            "INSERT INTO offers_offerspace (id, environment_id, name, channel_id) "
            f"SELECT {numbered(first_id + offset, 'i')}, {environment}, {name} || ' ' || "
            f"({numbered(first_id, 'i')}), {channel} FROM {generation.dialect.series(1, total)}"
        )
    return done


def offers(generation: Generation) -> int:
    """Design offers in every status (the first is live), then the live copies."""
    total, window = generation.count("offers"), generation.window_seconds
    if not total:
        generation.shared[LIVE_OFFERS_KEY] = 0
        return 0
    design, live = environments(generation)
    first_id, categories = generation.first_id("offers.Offer"), generation.count("categories")
    first_category, random, timestamp = (
        generation.first_id("offers.Category"),
        generation.random,
        generation.timestamp,
    )
    mix = weighted(
        random("i", "ostatus"),
        [
            (20, "'edition'"),
            (10, "'pending_approval'"),
            (10, "'approved'"),
            (50, "'live'"),
            (10, "'disabled'"),
        ],
    )
    status = f"CASE WHEN i = 1 THEN 'live' ELSE {mix} END"  # at least one live offer for the propositions
    gifts = literals(["-10 %", "Free delivery", "Double points", "Gift", "Upgrade", "Welcome pack"])
    label = f"{choose(random('i', 'olabel'), gifts)} || ' #' || ({numbered(first_id, 'i')})"
    approved = (
        f"CASE x.status WHEN 'approved' THEN {window} - x.misc_roll % {2 * HOUR} "
        f"WHEN 'live' THEN {generation.dialect.greatest('0', f'x.valid_from - x.misc_roll % {DAY}')} END"
    )
    columns = (
        "INSERT INTO offers_offer (id, environment_id, category_id, code, label, status, weight, valid_from, "
        "valid_until, content, design_offer_id, approved_by_id, approved_at, updated_at) "
    )
    done = generation.sql(
        columns + f"SELECT {numbered(first_id, 'x.i')}, {design}, "
        f"{first_category} + x.category_roll % {categories}, 'ofr-' || ({numbered(first_id, 'x.i')}), "
        f"x.label, x.status, 1 + x.misc_roll % 10, {timestamp('x.valid_from')}, "
        f"{timestamp(f'x.valid_from + {30 * DAY} + x.misc_roll % {335 * DAY}')}, "
        f"'Dear customer, enjoy ' || x.label || '.', NULL, NULL, {timestamp(approved)}, "
        f"{timestamp(str(window))} "
        f"FROM (SELECT i, {status} AS status, {label} AS label, "
        f"{random('i', 'ofrom')} % {window} AS valid_from, "
        f"{random('i', 'ocategory')} AS category_roll, {random('i', 'omisc')} AS misc_roll "
        f"FROM {generation.dialect.series(1, total)}{generation.dialect.fence}) x"
    )
    # Live copies of the offers in status "live", as a past offerMgt run leaves them
    # (the live category of a design one is `categories` ids further).
    live_copies = generation.sql(
        columns + f"SELECT {first_id - 1 + total} + ROW_NUMBER() OVER (ORDER BY id), {live}, "
        f"category_id + {categories}, code, label, 'live', weight, valid_from, valid_until, content, id, "
        "NULL, "
        f"approved_at, updated_at FROM offers_offer WHERE id >= {first_id} AND id < {first_id + total} "
        "AND status = 'live'"
    )
    generation.shared[LIVE_OFFERS_KEY] = live_copies
    return done + live_copies


def propositions(generation: Generation) -> int:
    total, window, fence = (
        generation.count("propositions"),
        generation.window_seconds,
        generation.dialect.fence,
    )
    if not total:
        return 0
    plan, random = delivery_plan(generation), generation.random
    # Recipient email deliveries, in proportion to their successful logs.
    weight = (
        "CASE WHEN life = 'sent' AND channel = 'email' AND target_table = 'recipient' "
        "AND target_group = 'recipient' THEN success_count ELSE 0 END"
    )
    total_weight = plan.total_weight(generation, weight)
    linked_total = total * LINKED_PERCENT // 100 if total_weight else 0
    plan.share_out(generation, PROPOSITION_PLAN_TABLE, linked_total, weight, total_weight)
    first_id, spaces = generation.first_id("offers.Proposition"), generation.count("offer_spaces")
    first_live_offer = generation.first_id("offers.Offer") + generation.count("offers")
    offer = f"{first_live_offer} + z.offer_roll % {generation.shared[LIVE_OFFERS_KEY]}"
    first_live_space = generation.first_id("offers.OfferSpace") + spaces
    space = f"{first_live_space} + z.offer_roll / 7 % {spaces}" if spaces else "NULL"
    status = weighted(
        "z.status_roll",
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
        f"SELECT z.id, {offer}, {space}, z.delivery_id, 'recipient', z.profile_id, {status}, "
        f"(z.status_roll / 100 % 1000) / 100.0, {generation.timestamp('z.proposed_offset')} FROM ("
    )
    source, where = expand(generation, PROPOSITION_PLAN_TABLE, "slice_count")
    target = f"(1 + {random('p.slice_offset + g.k', 'plog')} % p.success_count)"

    def linked(first_row: int, last_row: int) -> str:
        # Made in a recipient email delivery, to one of its targets, before sending.
        return (
            columns + f"SELECT y.*, {random('y.proposition_number', 'poffer')} AS offer_roll, "
            f"{random('y.proposition_number', 'pstatus')} AS status_roll FROM ("
            f"SELECT {numbered(first_id, 'p.slice_offset + g.k')} AS id, "
            "p.slice_offset + g.k AS proposition_number, p.id AS delivery_id, "
            f"p.profile_base + {DeliveryPlan.target_index('p', target)} AS profile_id, "
            f"{generation.dialect.greatest('0', 'p.start_offset - p.weight_roll % 3600')} AS proposed_offset "
            f"FROM {source} WHERE {where} AND p.slice_count > 0 AND p.slice_offset >= {first_row - 1} "
            f"AND p.slice_offset < {last_row}{fence}) y{fence}) z"
        )

    first_unlinked = first_id + linked_total
    recipients, first_recipient = generation.count("recipients"), generation.first_id("campaign.Recipient")

    def unlinked(first_row: int, last_row: int) -> str:
        return (
            columns + f"SELECT {numbered(first_unlinked, 'i')} AS id, CAST(NULL AS BIGINT) AS delivery_id, "
            f"{first_recipient} + {random('i', 'pprofile')} % {recipients} AS profile_id, "
            f"{random('i', 'ptime')} % {window} AS proposed_offset, "
            f"{random(f'{total} + i', 'poffer')} AS offer_roll, "
            f"{random(f'{total} + i', 'pstatus')} AS status_roll "
            f"FROM {generation.dialect.series(first_row, last_row)}{fence}) z"
        )

    with generation.bulk_load("offers.Proposition", total):
        done = generation.insert_chunks("propositions (deliveries)", linked_total, linked)
        done += generation.insert_chunks("propositions (other)", total - linked_total, unlinked)
    return done


def _presets(tiny: int, demo: int, bench: int) -> dict[str, int]:
    return {"tiny": tiny, "demo": demo, "bench": bench}


# After the core's tables (100…900): propositions need its deliveries' plan.
GENERATED_TABLES = [
    GeneratedTable(
        key="categories",
        order=1000,
        label="offer categories (design; live copies too)",
        models=("offers.Environment", "offers.Category"),
        counts=_presets(6, 15, 60),
        generate=categories,
    ),
    GeneratedTable(
        key="offer_spaces",
        order=1100,
        label="offer spaces (design; live copies too)",
        models=("offers.OfferSpace",),
        counts=_presets(3, 6, 12),
        generate=offer_spaces,
    ),
    GeneratedTable(
        key="offers",
        order=1200,
        label="offers (design; live copies of the live ones too)",
        models=("offers.Offer",),
        counts=_presets(12, 60, 500),
        generate=offers,
        requires=("categories",),
    ),
    GeneratedTable(
        key="propositions",
        order=1300,
        label="offer propositions",
        models=("offers.Proposition",),
        counts=_presets(300, 6_000, 2_000_000),
        generate=propositions,
        requires=("offers", "recipients"),
    ),
]
