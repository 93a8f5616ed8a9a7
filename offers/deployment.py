"""offerMgt (Offer notification): deploy the design catalog's approved state to live.
Adobe §8.

Every design environment paired with a live one is deployed in one transaction, so a
reader of live sees the catalog before or after a deployment, never half of it:

1. offer spaces: new ones copied, changed ones (name, channel, enabled) updated, copies
   whose design space is gone disabled;
2. categories, all of them, whatever the approvals: new ones copied, moved ones
   re-parented, disabled ones disabled, changed ones (name, validity, weight, themes,
   target) updated; copies whose design category is gone are disabled, and deleted
   once no live offer or sub-category uses them;
3. offers: the design offers whose two approvals are granted ("approved") become
   "live" and their copy is written (inserted, or updated to the new version and
   reactivated), with their content per space; a copy whose design offer is disabled
   or deleted is deactivated. A design offer edited after its deployment keeps its
   last approved version in live until the new one is approved.

Each step is a fixed number of set-based statements over the whole catalog (how many
does not depend on the number of offers); a row that already matches is not touched,
so a run with nothing new writes nothing and says so. A design offer is marked "live"
(compare-and-set from "approved") before its copy is written, which also locks it
against a concurrent edit until the deployment commits.

`run(ctx)` deploys, then deploys again as long as deployment requests arrived during
the pass (the "deploy again" flag of offers.triggers), so no approval waits for the
next hour.
"""

from dataclasses import asdict, dataclass, fields

from django.db import connection, transaction
from django.utils import timezone

from . import triggers
from .choices import EnvironmentKind, OfferStatus
from .models import Category, Environment, Offer, OfferContent, OfferSpace

# Passes of one run at most: requests that keep arriving beyond this wait for the
# follow-up run (offers.triggers), not for the hourly one.
MAX_PASSES = 10
# Levels of disabled categories whose design row is gone deleted per run at most
# (one statement per level, leaves first).
MAX_ORPHAN_LEVELS = 20

ENV = Environment._meta.db_table
CAT = Category._meta.db_table
SPACE = OfferSpace._meta.db_table
OFFER = Offer._meta.db_table
CONTENT = OfferContent._meta.db_table

DESIGN_ENVIRONMENTS = f"SELECT id FROM {ENV} WHERE kind = %(design)s AND live_id IS NOT NULL"
LIVE_ENVIRONMENTS = f"SELECT id FROM {ENV} WHERE kind = %(live_kind)s"

# --- Offer spaces ------------------------------------------------------------------------

SPACES_NEW = f"""
INSERT INTO {SPACE} (environment_id, name, channel_id, enabled, design_space_id, deployed_at)
SELECT e.live_id, d.name, d.channel_id, d.enabled, d.id, %(now)s
FROM {SPACE} d JOIN {ENV} e ON e.id = d.environment_id
WHERE e.kind = %(design)s AND e.live_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {SPACE} l WHERE l.design_space_id = d.id)
"""

SPACES_CHANGED = f"""
UPDATE {SPACE} AS l SET name = d.name, channel_id = d.channel_id, enabled = d.enabled, deployed_at = %(now)s
FROM {SPACE} d
WHERE l.design_space_id = d.id
  AND (l.name <> d.name OR l.channel_id <> d.channel_id OR l.enabled <> d.enabled)
"""

SPACES_ORPHANED = f"""
UPDATE {SPACE} SET enabled = %(false)s, deployed_at = %(now)s
WHERE enabled AND environment_id IN ({LIVE_ENVIRONMENTS})
  AND NOT EXISTS (SELECT 1 FROM {SPACE} d WHERE d.id = {SPACE}.design_space_id)
"""

# --- Categories -------------------------------------------------------------------------

# Copies whose place differs from their design row's (counted before the parents move).
CATEGORIES_MOVED = f"""
SELECT COUNT(*) FROM {CAT} l
JOIN {CAT} d ON d.id = l.design_category_id
LEFT JOIN {CAT} lp ON lp.id = l.parent_id
WHERE lp.design_category_id IS DISTINCT FROM d.parent_id
"""

CATEGORIES_NEW = f"""
INSERT INTO {CAT} (environment_id, parent_id, name, enabled, valid_from, valid_until, weight, themes, target,
                 design_category_id, deployed_at)
SELECT e.live_id, NULL, d.name, d.enabled, d.valid_from, d.valid_until, d.weight, d.themes, d.target,
       d.id, %(now)s
FROM {CAT} d JOIN {ENV} e ON e.id = d.environment_id
WHERE e.kind = %(design)s AND e.live_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {CAT} l WHERE l.design_category_id = d.id)
"""

# Every copy under the copy of its design row's parent (new copies included).
CATEGORIES_PARENTS = f"""
UPDATE {CAT} AS l SET parent_id = lp.id, deployed_at = %(now)s
FROM {CAT} d LEFT JOIN {CAT} lp ON lp.design_category_id = d.parent_id
WHERE l.design_category_id = d.id AND l.parent_id IS DISTINCT FROM lp.id
"""

CATEGORIES_DISABLED = f"""
UPDATE {CAT} AS l SET enabled = %(false)s, deployed_at = %(now)s
FROM {CAT} d
WHERE l.design_category_id = d.id AND l.enabled AND NOT d.enabled
"""

CATEGORIES_CHANGED = f"""
UPDATE {CAT} AS l SET name = d.name, enabled = d.enabled, valid_from = d.valid_from,
    valid_until = d.valid_until, weight = d.weight, themes = d.themes, target = d.target,
    deployed_at = %(now)s
FROM {CAT} d
WHERE l.design_category_id = d.id
  AND (l.name <> d.name OR l.enabled <> d.enabled OR l.weight <> d.weight OR l.themes <> d.themes
       OR l.valid_from IS DISTINCT FROM d.valid_from OR l.valid_until IS DISTINCT FROM d.valid_until
       OR l.target IS DISTINCT FROM d.target)
"""

CATEGORIES_ORPHANED = f"""
UPDATE {CAT} SET enabled = %(false)s, deployed_at = %(now)s
WHERE enabled AND environment_id IN ({LIVE_ENVIRONMENTS})
  AND NOT EXISTS (SELECT 1 FROM {CAT} d WHERE d.id = {CAT}.design_category_id)
"""

# Leaves only: a level per statement.
CATEGORIES_ORPHANS_DELETED = f"""
DELETE FROM {CAT} WHERE id IN (
  SELECT l.id FROM {CAT} l
  WHERE l.environment_id IN ({LIVE_ENVIRONMENTS})
    AND NOT EXISTS (SELECT 1 FROM {CAT} d WHERE d.id = l.design_category_id)
    AND NOT EXISTS (SELECT 1 FROM {OFFER} o WHERE o.category_id = l.id)
    AND NOT EXISTS (SELECT 1 FROM {CAT} ch WHERE ch.parent_id = l.id))
"""

# --- Offers ------------------------------------------------------------------------------

# Compare-and-set "approved" → "live": the rows are locked until the commit.
OFFERS_APPROVED = f"""
UPDATE {OFFER} SET status = %(live)s
WHERE status = %(approved)s AND environment_id IN ({DESIGN_ENVIRONMENTS})
"""

OFFERS_DEACTIVATED = f"""
UPDATE {OFFER} SET status = %(disabled)s, deactivated_at = %(now)s, updated_at = %(now)s
WHERE deactivated_at IS NULL AND environment_id IN ({LIVE_ENVIRONMENTS})
  AND NOT EXISTS (SELECT 1 FROM {OFFER} d WHERE d.id = {OFFER}.design_offer_id AND d.status <> %(disabled)s)
"""

# The contents of copies about to get a new version go; the new ones come after.
CONTENTS_REPLACED = f"""
DELETE FROM {CONTENT} WHERE offer_id IN (
  SELECT l.id FROM {OFFER} l JOIN {OFFER} d ON d.id = l.design_offer_id
  WHERE d.status = %(live)s AND l.version <> d.version)
"""

COPIED = """code = d.code, label = d.label, content = d.content, weight = d.weight,
    valid_from = d.valid_from, valid_until = d.valid_until, target = d.target, version = d.version,
    content_approval = d.content_approval, content_decided_by_id = d.content_decided_by_id,
    content_decided_at = d.content_decided_at, eligibility_approval = d.eligibility_approval,
    eligibility_decided_by_id = d.eligibility_decided_by_id,
    eligibility_decided_at = d.eligibility_decided_at, approved_by_id = d.approved_by_id,
    approved_at = d.approved_at"""

OFFERS_UPDATED = f"""
UPDATE {OFFER} AS l SET {COPIED}, category_id = lc.id, status = %(live)s, deployed_at = %(now)s,
    deactivated_at = NULL, updated_at = %(now)s
FROM {OFFER} d JOIN {CAT} lc ON lc.design_category_id = d.category_id
WHERE l.design_offer_id = d.id AND d.status = %(live)s
  AND (l.version <> d.version OR l.deactivated_at IS NOT NULL OR l.category_id <> lc.id)
"""

OFFERS_NEW = f"""
INSERT INTO {OFFER} (environment_id, category_id, code, label, status, weight, valid_from, valid_until,
                 content, target, version, content_approval, content_decided_by_id, content_decided_at,
                 eligibility_approval, eligibility_decided_by_id, eligibility_decided_at, design_offer_id,
                 approved_by_id, approved_at, deployed_at, deactivated_at, updated_at)
SELECT e.live_id, lc.id, d.code, d.label, %(live)s, d.weight, d.valid_from, d.valid_until, d.content,
       d.target, d.version, d.content_approval, d.content_decided_by_id, d.content_decided_at,
       d.eligibility_approval, d.eligibility_decided_by_id, d.eligibility_decided_at, d.id,
       d.approved_by_id, d.approved_at, %(now)s, NULL, %(now)s
FROM {OFFER} d
JOIN {ENV} e ON e.id = d.environment_id
JOIN {CAT} lc ON lc.design_category_id = d.category_id
WHERE d.status = %(live)s AND e.live_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM {OFFER} l WHERE l.design_offer_id = d.id)
"""

CONTENTS_NEW = f"""
INSERT INTO {CONTENT} (offer_id, space_id, title, text, link)
SELECT l.id, ls.id, dc.title, dc.text, dc.link
FROM {OFFER} l
JOIN {OFFER} d ON d.id = l.design_offer_id AND d.status = %(live)s AND d.version = l.version
JOIN {CONTENT} dc ON dc.offer_id = d.id
JOIN {SPACE} ls ON ls.design_space_id = dc.space_id
WHERE NOT EXISTS (SELECT 1 FROM {CONTENT} lt WHERE lt.offer_id = l.id)
"""

# --- What a run would do (dry run, the Deployment page) --------------------------------------

PLAN_SPACES = f"""
SELECT
  COALESCE(SUM(CASE WHEN l.id IS NULL THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN l.id IS NOT NULL AND (l.name <> d.name OR l.channel_id <> d.channel_id
                    OR l.enabled <> d.enabled) THEN 1 ELSE 0 END), 0)
FROM {SPACE} d JOIN {ENV} e ON e.id = d.environment_id
LEFT JOIN {SPACE} l ON l.design_space_id = d.id
WHERE e.kind = %(design)s AND e.live_id IS NOT NULL
"""

PLAN_CATEGORIES = f"""
SELECT
  COALESCE(SUM(CASE WHEN l.id IS NULL THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN l.id IS NOT NULL AND l.enabled AND NOT d.enabled THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN l.id IS NOT NULL AND (l.name <> d.name OR (NOT l.enabled AND d.enabled)
                    OR l.weight <> d.weight OR l.themes <> d.themes
                    OR l.valid_from IS DISTINCT FROM d.valid_from
                    OR l.valid_until IS DISTINCT FROM d.valid_until
                    OR l.target IS DISTINCT FROM d.target) THEN 1 ELSE 0 END), 0)
FROM {CAT} d JOIN {ENV} e ON e.id = d.environment_id
LEFT JOIN {CAT} l ON l.design_category_id = d.id
WHERE e.kind = %(design)s AND e.live_id IS NOT NULL
"""

PLAN_ORPHANS = f"""
SELECT
  (SELECT COUNT(*) FROM {SPACE} WHERE enabled AND environment_id IN ({LIVE_ENVIRONMENTS})
     AND NOT EXISTS (SELECT 1 FROM {SPACE} d WHERE d.id = {SPACE}.design_space_id)),
  (SELECT COUNT(*) FROM {CAT} WHERE enabled AND environment_id IN ({LIVE_ENVIRONMENTS})
     AND NOT EXISTS (SELECT 1 FROM {CAT} d WHERE d.id = {CAT}.design_category_id))
"""

PLAN_OFFERS = f"""
SELECT
  COALESCE(SUM(CASE WHEN l.id IS NULL THEN 1 ELSE 0 END), 0),
  COALESCE(SUM(CASE WHEN l.id IS NOT NULL THEN 1 ELSE 0 END), 0)
FROM {OFFER} d
JOIN {ENV} e ON e.id = d.environment_id
LEFT JOIN {OFFER} l ON l.design_offer_id = d.id
WHERE e.kind = %(design)s AND e.live_id IS NOT NULL
  AND (d.status = %(approved)s
       OR (d.status = %(live)s AND (l.id IS NULL OR l.version <> d.version OR l.deactivated_at IS NOT NULL)))
"""

PLAN_DEACTIVATIONS = f"""
SELECT COUNT(*) FROM {OFFER}
WHERE deactivated_at IS NULL AND environment_id IN ({LIVE_ENVIRONMENTS})
  AND NOT EXISTS (SELECT 1 FROM {OFFER} d WHERE d.id = {OFFER}.design_offer_id AND d.status <> %(disabled)s)
"""


@dataclass
class Counts:
    """What one deployment changed (or, for a plan, would change)."""

    offers_approved: int = 0
    offers_published: int = 0
    offers_updated: int = 0
    offers_deactivated: int = 0
    contents_written: int = 0
    categories_added: int = 0
    categories_moved: int = 0
    categories_disabled: int = 0
    categories_changed: int = 0
    categories_orphaned: int = 0
    categories_deleted: int = 0
    spaces_added: int = 0
    spaces_changed: int = 0
    spaces_orphaned: int = 0

    @property
    def total(self):
        return sum(asdict(self).values())

    def add(self, other):
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def sentence(self):
        """The journal's line (English, as the rest of the journal)."""
        return (
            f"offers: {self.offers_published} published, {self.offers_updated} updated to a new version "
            f"or reactivated, {self.offers_deactivated} deactivated ({self.contents_written} contents); "
            f"categories: {self.categories_added} new, {self.categories_changed} changed, "
            f"{self.categories_moved} moved, {self.categories_disabled} disabled, "
            f"{self.categories_orphaned + self.categories_deleted} removed; "
            f"offer spaces: {self.spaces_added} new, {self.spaces_changed} changed, "
            f"{self.spaces_orphaned} removed"
        )


def _params(now):
    return {
        "now": connection.ops.adapt_datetimefield_value(now),
        "design": EnvironmentKind.DESIGN.value,
        "live_kind": EnvironmentKind.LIVE.value,
        "approved": OfferStatus.APPROVED.value,
        "live": OfferStatus.LIVE.value,
        "disabled": OfferStatus.DISABLED.value,
        "false": False,
    }


def _rows(cursor, sql, params):
    cursor.execute(sql, params)
    return max(cursor.rowcount, 0)


def _one(cursor, sql, params):
    cursor.execute(sql, params)
    return cursor.fetchone()


def deploy(now):
    """One deployment, in one transaction; returns its Counts (all zero: nothing new)."""
    params = _params(now)
    counts = Counts()
    with transaction.atomic(), connection.cursor() as cursor:
        # Offers first marked: their rows stay locked against edits until the commit.
        counts.offers_approved = _rows(cursor, OFFERS_APPROVED, params)

        counts.spaces_added = _rows(cursor, SPACES_NEW, params)
        counts.spaces_changed = _rows(cursor, SPACES_CHANGED, params)
        counts.spaces_orphaned = _rows(cursor, SPACES_ORPHANED, params)

        counts.categories_moved = _one(cursor, CATEGORIES_MOVED, params)[0]
        counts.categories_added = _rows(cursor, CATEGORIES_NEW, params)
        _rows(cursor, CATEGORIES_PARENTS, params)
        counts.categories_disabled = _rows(cursor, CATEGORIES_DISABLED, params)
        counts.categories_changed = _rows(cursor, CATEGORIES_CHANGED, params)
        counts.categories_orphaned = _rows(cursor, CATEGORIES_ORPHANED, params)

        counts.offers_deactivated = _rows(cursor, OFFERS_DEACTIVATED, params)
        _rows(cursor, CONTENTS_REPLACED, params)
        counts.offers_updated = _rows(cursor, OFFERS_UPDATED, params)
        counts.offers_published = _rows(cursor, OFFERS_NEW, params)
        counts.contents_written = _rows(cursor, CONTENTS_NEW, params)

        # After the offers: a deactivated offer may have been the last to use a category.
        for _level in range(MAX_ORPHAN_LEVELS):
            deleted = _rows(cursor, CATEGORIES_ORPHANS_DELETED, params)
            counts.categories_deleted += deleted
            if not deleted:
                break
    return counts


def plan(now=None):
    """What a deployment would change now, counted, changing nothing."""
    params = _params(now or timezone.now())
    counts = Counts()
    with connection.cursor() as cursor:
        counts.spaces_added, counts.spaces_changed = _one(cursor, PLAN_SPACES, params)
        counts.categories_added, counts.categories_disabled, counts.categories_changed = _one(
            cursor, PLAN_CATEGORIES, params
        )
        counts.categories_moved = _one(cursor, CATEGORIES_MOVED, params)[0]
        counts.spaces_orphaned, counts.categories_orphaned = _one(cursor, PLAN_ORPHANS, params)
        counts.offers_published, counts.offers_updated = _one(cursor, PLAN_OFFERS, params)
        counts.offers_deactivated = _one(cursor, PLAN_DEACTIVATIONS, params)[0]
    return counts


def preview_text(now):
    """`run_workflow offerMgt --dry-run`: what a run would deploy now."""
    counts = plan(now)
    head = f"Dry run at {timezone.localtime(now):%Y-%m-%d %H:%M:%S %Z}: nothing is changed."
    if not counts.total:
        return f"{head}\nNothing to deploy: the live catalog matches the design's approved state."
    return f"{head}\nA run would deploy: {counts.sentence()}."


def run(ctx):
    """The workflow: deploy, and deploy again while requests arrived during the pass."""
    total = Counts()
    passes = 0
    for passes in range(1, MAX_PASSES + 1):  # noqa: B007 (passes is reported)
        seen = triggers.flag().requested
        counts = deploy(ctx.now)
        triggers.mark_deployed(seen)
        total.add(counts)
        label = f"Deployment {passes}" if passes > 1 else "Deployment"
        if counts.total:
            ctx.log(f"{label}: {counts.sentence()}")
        else:
            ctx.log(f"{label}: nothing to deploy, the live catalog matches the design's approved state")
        if not triggers.pending_requests():
            break
        ctx.log("A deployment was requested during this one (an approval): deploying again")
    else:
        ctx.warning(
            f"Deployment requests kept arriving for {MAX_PASSES} passes: a follow-up run deploys them"
        )
        triggers.follow_up()
    return {
        "passes": passes,
        "changes": total.total,
        **{key: value for key, value in asdict(total).items() if value},
    }
