"""The offer catalog's tables for `generate_data`, declared in offers/contributions.py
and built with the core's toolkit (campaign.devtools.datagen).

- An offer environment pair (design + live) for recipients: reused if there is one,
  otherwise created with an (empty) visitors pair beside it, whenever categories or
  offer spaces are generated (it has no count of its own).
- Categories (a quarter at the top carrying the themes, the others below one of those;
  some seasonal, some weighing more or less, some with a target filter), offer spaces
  and design offers in every status with the approvals that status means, their
  contents per space and their audit trail (made mostly in the last months). The live
  environment holds what a past offerMgt run deployed: a copy of every category and
  space, and of each offer in status "live" with its contents. Counts are per
  environment: `categories`, `offer_spaces` and `offers` are design rows.
- Propositions of live offers: 60 % made in the recipient email deliveries of the
  delivery plan (channel email), to their targets and in proportion to their
  successful logs, the others to any recipient (channel of their offer space); every
  status but "generated" was set within two days.
"""

from __future__ import annotations

import json
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
THEMES = [
    "mobile",
    "travel",
    "insurance",
    "banking",
    "loyalty",
    "home",
    "fashion",
    "electronics",
    "savings",
    "energy",
]
# Saved recipient filters (campaign.targeting) some categories and offers target.
TARGETS = [
    {"field": "email", "op": "endswith", "value": ".fr"},
    {"field": "created_at", "op": "gte", "value": "2025-01-01T00:00:00+00:00"},
    {"not": {"field": "phone", "op": "empty"}},
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
    design environment that has a live one, otherwise create the pair (and a visitors
    pair beside it, for anonymous offers, which the demo leaves empty)."""
    if ENVIRONMENTS_KEY not in generation.shared:
        design = (
            Environment.objects.filter(
                kind=EnvironmentKind.DESIGN, profile_table=ProfileTable.RECIPIENT, live__isnull=False
            )
            .order_by("id")
            .first()
        )
        if design is None:
            design = _pair("Recipients", ProfileTable.RECIPIENT)
            if not Environment.objects.filter(profile_table=ProfileTable.COOKIE).exists():
                _pair("Visitors", ProfileTable.COOKIE)
        generation.shared[ENVIRONMENTS_KEY] = (design.pk, design.live_id)
    return generation.shared[ENVIRONMENTS_KEY]


def _pair(name: str, profile_table: str) -> Environment:
    live, _ = Environment.objects.get_or_create(
        name=f"{name} (live)", defaults={"kind": EnvironmentKind.LIVE, "profile_table": profile_table}
    )
    design, _ = Environment.objects.get_or_create(
        name=f"{name} (design)",
        defaults={"kind": EnvironmentKind.DESIGN, "profile_table": profile_table, "live": live},
    )
    return design


def _target(generation: Generation, roll: str, every: int) -> str:
    """One of TARGETS (saved filters, campaign.targeting) for one row in `every`, else NULL."""
    options = [generation.dialect.json(literal(json.dumps(target))) for target in TARGETS]
    return f"CASE WHEN ({roll}) % {every} = 0 THEN {choose(f'({roll}) / {every}', options)} ELSE NULL END"


def _last_deployment(generation: Generation, roll: str) -> str:
    """When the last hourly offerMgt run wrote a live row: within the last hour."""
    return generation.timestamp(f"{generation.window_seconds} - ({roll}) % {HOUR}")


def categories(generation: Generation) -> int:
    total, first_id = generation.count("categories"), generation.first_id("offers.Category")
    if not total:
        return 0
    design, live = environments(generation)
    random, timestamp, window = generation.random, generation.timestamp, generation.window_seconds
    top = max(1, total // 4)
    kinds = literals(["Premium", "Basic", "Family", "Youth", "Business"])
    name = (
        f"CASE WHEN i <= {top} THEN {choose('i - 1', literals(CATEGORY_THEMES))} "
        f"ELSE {choose(random('i', 'csub'), kinds)} END || ' ' || ({numbered(first_id, 'i')})"
    )
    parent = f"CASE WHEN i <= {top} THEN NULL ELSE {first_id} + {random('i', 'cparent')} % {top} END"
    # Top-level categories carry the themes their sub-categories inherit.
    themes = f"CASE WHEN i <= {top} THEN {choose('i - 1', literals(THEMES))} ELSE '' END"
    # One category in five is valid for a season only; one in ten weighs more, one less.
    seasonal = f"{random('i', 'cvalid')} % 5 = 0"
    start = f"{random('i', 'cfrom')} % {window}"
    weight = weighted(random("i", "cweight"), [(80, "1.0"), (10, "1.5"), (10, "0.5")])
    columns = (
        "INSERT INTO offers_category (id, environment_id, parent_id, name, enabled, valid_from, valid_until, "
        "weight, themes, target, design_category_id, deployed_at) "
    )
    done = generation.sql(
        columns + f"SELECT {numbered(first_id, 'i')}, {design}, {parent}, {name}, "
        f"{random('i', 'cenabled')} % 10 > 0, "
        f"CASE WHEN {seasonal} THEN {timestamp(start)} END, "
        f"CASE WHEN {seasonal} THEN {timestamp(f'{start} + {90 * DAY}')} END, "
        f"{weight}, {themes}, {_target(generation, random('i', 'ctarget'), 8)}, NULL, NULL "
        f"FROM {generation.dialect.series(1, total)}"
    )
    # The live copies, as offerMgt deploys every category.
    return done + generation.sql(
        columns
        + f"SELECT id + {total}, {live}, parent_id + {total}, name, enabled, valid_from, valid_until, "
        f"weight, themes, target, id, {_last_deployment(generation, 'id')} FROM offers_category "
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
    design, live = environments(generation)
    columns = (
        "INSERT INTO offers_offerspace (id, environment_id, name, channel_id, enabled, design_space_id, "
        "deployed_at) "
    )
    done = generation.sql(
        columns
        + f"SELECT {numbered(first_id, 'i')}, {design}, {name} || ' ' || ({numbered(first_id, 'i')}), "
        f"{channel}, TRUE, NULL, NULL FROM {generation.dialect.series(1, total)}"
    )
    # The live copies (`total` ids further), as offerMgt deploys every space.
    return done + generation.sql(
        columns
        + f"SELECT id + {total}, {live}, name, channel_id, enabled, id, {_last_deployment(generation, 'id')} "
        f"FROM offers_offerspace WHERE id >= {first_id} AND id < {first_id + total}"
    )


def offers(generation: Generation) -> int:
    """Design offers in every status with the approvals that status means (the first is
    live), their contents per space and their audit trail, then the live copies of the
    live ones with their contents. Offers are made mostly in the last months, as on a
    running platform, so a first cleanup purges a small share of the audit trail."""
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
            (15, "'edition'"),
            (10, "'pending_approval'"),
            (5, "'rejected'"),
            (10, "'approved'"),
            (50, "'live'"),
            (10, "'disabled'"),
        ],
    )
    status = f"CASE WHEN i = 1 THEN 'live' ELSE {mix} END"  # at least one live offer for the propositions
    gifts = literals(["-10 %", "Free delivery", "Double points", "Gift", "Upgrade", "Welcome pack"])
    label = f"{choose(random('i', 'olabel'), gifts)} || ' #' || ({numbered(first_id, 'i')})"
    # Made in the last 200 days for 85 % of them, earlier in the window for the others.
    created_roll = random("i", "ocreated")
    recent = generation.dialect.greatest("0", f"{window} - {created_roll} % {200 * DAY}")
    created = (
        f"CASE WHEN {random('i', 'orecent')} % 100 < 85 THEN {recent} ELSE {created_roll} % {window} END"
    )
    # Approved within three days of creation; those waiting for deployment just now.
    went_live = generation.dialect.least(str(window - HOUR), f"x.created + x.misc_roll % {3 * DAY}")
    waiting = f"{window} - x.misc_roll % {2 * HOUR}"
    approved = f"CASE x.status WHEN 'approved' THEN {waiting} WHEN 'live' THEN {went_live} END"
    granted = "('pending_approval', 'rejected', 'approved', 'live')"
    content = f"CASE WHEN x.status IN {granted} THEN 'approved' ELSE 'pending' END"
    eligibility = (
        "CASE x.status WHEN 'approved' THEN 'approved' WHEN 'live' THEN 'approved' "
        "WHEN 'rejected' THEN 'rejected' ELSE 'pending' END"
    )
    decided = f"{generation.dialect.least(str(window), f'x.created + x.misc_roll % {2 * DAY}')}"
    columns = (
        "INSERT INTO offers_offer (id, environment_id, category_id, code, label, status, weight, valid_from, "
        "valid_until, content, target, version, content_approval, content_decided_at, eligibility_approval, "
        "eligibility_decided_at, design_offer_id, approved_by_id, approved_at, deployed_at, deactivated_at, "
        "updated_at) "
    )
    done = generation.sql(
        columns + f"SELECT {numbered(first_id, 'x.i')}, {design}, "
        f"{first_category} + x.category_roll % {categories}, 'ofr-' || ({numbered(first_id, 'x.i')}), "
        f"x.label, x.status, 1 + x.misc_roll % 10, {timestamp('x.valid_from')}, "
        f"{timestamp(f'x.valid_from + {30 * DAY} + x.misc_roll % {335 * DAY}')}, "
        f"'Dear customer, enjoy ' || x.label || '.', {_target(generation, 'x.target_roll', 5)}, "
        # Offers being edited were often edited again after a first version.
        f"CASE WHEN x.status = 'edition' THEN 1 + x.misc_roll % 3 ELSE 1 END, "
        f"{content}, CASE WHEN x.status IN {granted} THEN {timestamp(decided)} END, "
        f"{eligibility}, CASE WHEN x.status IN ('approved', 'live', 'rejected') THEN "
        f"{timestamp(f'COALESCE({approved}, {decided})')} END, "
        f"NULL, NULL, {timestamp(approved)}, NULL, NULL, {timestamp(f'COALESCE({approved}, x.created)')} "
        f"FROM (SELECT i, {status} AS status, {label} AS label, "
        f"{random('i', 'ofrom')} % {window} AS valid_from, {created} AS created, "
        f"{random('i', 'ocategory')} AS category_roll, {random('i', 'omisc')} AS misc_roll, "
        f"{random('i', 'otarget')} AS target_roll "
        f"FROM {generation.dialect.series(1, total)}{generation.dialect.fence}) x"
    )
    contents = _contents(generation, first_id, total)
    trail = _audit_trail(generation, first_id, total)
    # Live copies of the offers in status "live", as a past offerMgt run leaves them
    # (the live category of a design one is `categories` ids further), then their contents.
    live_copies = generation.sql(
        columns + f"SELECT {first_id - 1 + total} + ROW_NUMBER() OVER (ORDER BY id), {live}, "
        f"category_id + {categories}, code, label, 'live', weight, valid_from, valid_until, content, target, "
        "version, content_approval, content_decided_at, eligibility_approval, eligibility_decided_at, id, "
        f"NULL, approved_at, approved_at, NULL, approved_at "
        f"FROM offers_offer WHERE id >= {first_id} AND id < {first_id + total} AND status = 'live'"
    )
    spaces = generation.count("offer_spaces")
    if spaces:
        contents += generation.sql(
            "INSERT INTO offers_offercontent (offer_id, space_id, title, text, link) "
            f"SELECT l.id, c.space_id + {spaces}, c.title, c.text, c.link FROM offers_offercontent c "
            f"JOIN offers_offer l ON l.design_offer_id = c.offer_id WHERE l.id >= {first_id + total}"
        )
    generation.shared[LIVE_OFFERS_KEY] = live_copies
    generation.say(f"  offers: {live_copies:,} live copies, {contents:,} contents, {trail:,} audit lines")
    return done + live_copies


def _contents(generation: Generation, first_id: int, total: int) -> int:
    """Each design offer's content in one offer space, and in the next one for half of them."""
    spaces = generation.count("offer_spaces")
    if not spaces:
        return 0
    first_space = generation.first_id("offers.OfferSpace")
    return generation.sql(
        "INSERT INTO offers_offercontent (offer_id, space_id, title, text, link) "
        f"SELECT o.id, {first_space} + (o.id - {first_id} + series.i - 1) % {spaces}, o.label, "
        "'Dear customer, enjoy ' || o.label || '.', 'https://www.example.com/offers/' || o.code "
        f"FROM offers_offer o CROSS JOIN {generation.dialect.series(1, min(2, spaces))} "
        f"WHERE o.id >= {first_id} AND o.id < {first_id + total} AND (series.i = 1 OR o.id % 2 = 0)"
    )


def _audit_trail(generation: Generation, first_id: int, total: int) -> int:
    """The lines an approval cycle leaves: created, edited (for later versions), and
    each decision, at the times the offer rows say."""
    design = f"FROM offers_offer WHERE id >= {first_id} AND id < {first_id + total}"
    columns = (
        "INSERT INTO offers_offeraudit (offer_id, offer_code, action, version, by_id, at, detail, comment) "
    )
    lines = generation.sql(
        columns
        + "SELECT id, code, 'created', 1, NULL, COALESCE(content_decided_at, updated_at), '', '' "
        + design
    )
    lines += generation.sql(
        columns + "SELECT id, code, 'edited', version, NULL, COALESCE(content_decided_at, updated_at), "
        "'label, content', '' " + design + " AND version > 1"
    )
    lines += generation.sql(
        columns
        + "SELECT id, code, 'content_approved', version, NULL, content_decided_at, '', '' "
        + design
        + " AND content_approval = 'approved'"
    )
    lines += generation.sql(
        columns + "SELECT id, code, CASE eligibility_approval WHEN 'approved' THEN 'eligibility_approved' "
        "ELSE 'eligibility_rejected' END, version, NULL, eligibility_decided_at, '', '' "
        + design
        + " AND eligibility_approval <> 'pending'"
    )
    return lines


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
    # In a delivery: the delivery's channel (email); elsewhere: the offer space's channel.
    email = generation.channels["email"].pk
    space_channel = (
        case(
            f"(z.offer_roll / 7 % {spaces}) % {len(SPACES)}",
            {index: generation.channels[code].pk for index, (code, _name) in enumerate(SPACES)},
        )
        if spaces
        else "NULL"
    )
    channel = f"CASE WHEN z.delivery_id IS NOT NULL THEN {email} ELSE {space_channel} END"
    # Every status but "generated" (the first 25 buckets) was set later, within two days.
    changed = generation.dialect.least(str(window), f"z.proposed_offset + z.status_roll % {2 * DAY}")
    updated = f"CASE WHEN z.status_roll % 100 >= 25 THEN {generation.timestamp(changed)} END"
    columns = (
        "INSERT INTO offers_proposition (id, offer_id, space_id, channel_id, delivery_id, profile_table, "
        "profile_id, status, weight, proposed_at, updated_at) "
        f"SELECT z.id, {offer}, {space}, {channel}, z.delivery_id, 'recipient', z.profile_id, {status}, "
        f"(z.status_roll / 100 % 1000) / 100.0, {generation.timestamp('z.proposed_offset')}, {updated} FROM ("
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
        counts=_presets(6, 15, 500),  # bench: the offerMgt benchmark's catalog
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
        label="offers (design, with contents and audit trail; live copies of the live ones too)",
        models=("offers.Offer", "offers.OfferContent", "offers.OfferAudit"),
        counts=_presets(12, 60, 10_000),
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
