"""offerMgt's deployment (offers.deployment): add, change, move, disable and delete
reach live; categories and spaces follow design; one transaction; idempotent; a
constant number of statements whatever the catalog's size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offers import deployment
from offers.choices import Approval, OfferStatus
from offers.models import Category, Offer, OfferContent, OfferSpace

from .conftest import NOW, Catalog, table_rows

pytestmark = pytest.mark.django_db
LIVE_TABLES = (Category, OfferSpace, Offer, OfferContent)


@pytest.fixture
def world(catalog):
    """Two spaces, a small tree and one approved offer with content in both spaces."""
    catalog.banner = catalog.space("Email banner", "email")
    catalog.push = catalog.space("Push message", "push")
    catalog.shop = catalog.category("Shop", weight=2.0, themes="retail")
    catalog.promo = catalog.category("Promotions", parent=catalog.shop, valid_from=NOW)
    catalog.welcome = catalog.offer(
        "welcome",
        catalog.promo,
        contents=[(catalog.banner, "Welcome!"), (catalog.push, "Hi")],
        weight=3,
        target={"field": "country", "op": "eq", "value": "FR"},
    )
    return catalog


def test_an_approved_offer_is_published_with_its_category_tree_spaces_and_contents(world):
    catalog = world
    catalog.approve(catalog.welcome)
    assert catalog.welcome.status == OfferStatus.APPROVED

    counts = catalog.deploy()

    assert (counts.offers_published, counts.categories_added, counts.spaces_added) == (1, 2, 2)
    copy = catalog.live_copy(catalog.welcome)
    assert copy.environment == catalog.live
    assert (copy.code, copy.label, copy.weight, copy.version) == ("welcome", "Welcome", 3, 1)
    assert copy.target == {"field": "country", "op": "eq", "value": "FR"}
    assert copy.status == OfferStatus.LIVE and copy.deactivated_at is None and copy.deployed_at == NOW
    assert copy.content_approval == copy.eligibility_approval == Approval.APPROVED
    live_promo = catalog.live_category(catalog.promo)
    assert copy.category == live_promo
    assert live_promo.parent == catalog.live_category(catalog.shop)
    assert (live_promo.valid_from, catalog.live_category(catalog.shop).weight) == (NOW, 2.0)
    assert catalog.live_category(catalog.shop).themes == "retail"
    contents = {(c.space.name, c.space.environment_id, c.text) for c in copy.contents.select_related("space")}
    assert contents == {
        ("Email banner", catalog.live.pk, "Welcome!"),
        ("Push message", catalog.live.pk, "Hi"),
    }
    catalog.welcome.refresh_from_db()
    assert catalog.welcome.status == OfferStatus.LIVE  # the design offer shows it is live


def test_an_offer_not_fully_approved_does_not_go_live_but_the_catalog_does(world):
    catalog = world
    catalog.approve(catalog.welcome, kinds=("content",))
    counts = catalog.deploy()
    assert counts.offers_published == 0 and counts.categories_added == 2
    assert not Offer.objects.live().exists()
    assert Category.objects.live().count() == 2 and OfferSpace.objects.live().count() == 2


def test_a_run_with_nothing_new_changes_nothing(world):
    catalog = world
    catalog.approve(catalog.welcome)
    catalog.deploy()
    before = table_rows(*LIVE_TABLES)
    counts = catalog.deploy(NOW + timedelta(hours=1))
    assert counts.total == 0
    assert table_rows(*LIVE_TABLES) == before
    assert deployment.plan(NOW).total == 0


def test_an_edit_keeps_the_approved_version_live_until_the_new_one_is_approved(world):
    catalog = world
    catalog.approve(catalog.welcome)
    catalog.deploy()
    copy = catalog.live_copy(catalog.welcome)

    edited = catalog.edit(catalog.welcome, label="Welcome back")
    OfferContent.objects.filter(offer=edited, space=catalog.push).update(text="Hello again")
    assert edited.version == 2 and edited.status == OfferStatus.PENDING_APPROVAL
    assert catalog.deploy(NOW + timedelta(hours=1)).offers_updated == 0
    assert catalog.live_copy(catalog.welcome).label == "Welcome"

    catalog.approve(edited)
    later = NOW + timedelta(hours=2)
    counts = catalog.deploy(later)
    assert (counts.offers_updated, counts.offers_published) == (1, 0)
    updated = catalog.live_copy(catalog.welcome)
    assert updated.pk == copy.pk  # the same live row: propositions keep pointing at it
    assert (updated.label, updated.version, updated.deployed_at) == ("Welcome back", 2, later)
    assert set(updated.contents.values_list("text", flat=True)) == {"Welcome!", "Hello again"}
    assert OfferContent.objects.filter(offer__environment=catalog.live).count() == 2


def test_moves_of_offers_and_categories_reach_live(world):
    catalog = world
    catalog.approve(catalog.welcome)
    catalog.deploy()
    other = catalog.category("Seasonal")
    # A category moved in design moves in live at the next run, no approval needed.
    catalog.promo.parent = other
    catalog.promo.save()
    counts = catalog.deploy(NOW + timedelta(hours=1))
    assert (counts.categories_moved, counts.categories_added) == (1, 1)
    assert catalog.live_category(catalog.promo).parent == catalog.live_category(other)
    # An offer moved to another category: an eligibility change, live after approval.
    moved = catalog.edit(catalog.welcome, category=catalog.shop)
    assert moved.eligibility_approval == Approval.PENDING and moved.content_approval == Approval.APPROVED
    catalog.deploy(NOW + timedelta(hours=2))
    assert catalog.live_copy(moved).category == catalog.live_category(catalog.promo)
    catalog.approve(moved)
    catalog.deploy(NOW + timedelta(hours=3))
    assert catalog.live_copy(moved).category == catalog.live_category(catalog.shop)


def test_category_and_space_changes_and_disabling_reach_live(world):
    catalog = world
    catalog.deploy()
    catalog.shop.name, catalog.shop.weight = "Store", 1.5
    catalog.shop.save()
    catalog.promo.enabled = False
    catalog.promo.save()
    catalog.push.name = "App push"
    catalog.push.save()
    counts = catalog.deploy(NOW + timedelta(hours=1))
    assert (counts.categories_changed, counts.categories_disabled, counts.spaces_changed) == (1, 1, 1)
    assert catalog.live_category(catalog.shop).name == "Store"
    assert catalog.live_category(catalog.shop).weight == 1.5
    assert catalog.live_category(catalog.promo).enabled is False
    assert OfferSpace.objects.live().get(design_space=catalog.push).name == "App push"


def test_disabling_deactivates_the_live_copy_and_enabling_brings_it_back(world):
    catalog = world
    catalog.approve(catalog.welcome)
    catalog.deploy()
    from offers import approvals

    approvals.set_enabled(catalog.welcome.pk, False, catalog.approver, NOW)
    counts = catalog.deploy(NOW + timedelta(hours=1))
    copy = catalog.live_copy(catalog.welcome)
    assert counts.offers_deactivated == 1
    assert copy.status == OfferStatus.DISABLED and copy.deactivated_at == NOW + timedelta(hours=1)
    assert not Offer.objects.active_live().exists()

    approvals.set_enabled(catalog.welcome.pk, True, catalog.approver, NOW)
    counts = catalog.deploy(NOW + timedelta(hours=2))
    copy.refresh_from_db()
    assert counts.offers_updated == 1 and copy.status == OfferStatus.LIVE and copy.deactivated_at is None


def test_deleting_a_design_offer_deactivates_its_copy_and_a_new_offer_may_take_its_code(world):
    catalog = world
    catalog.approve(catalog.welcome)
    catalog.deploy()
    copy = catalog.live_copy(catalog.welcome)
    catalog.welcome.delete()
    assert catalog.deploy(NOW + timedelta(hours=1)).offers_deactivated == 1
    copy.refresh_from_db()
    assert copy.deactivated_at is not None and copy.design_offer_id is not None  # keeps the id it copied

    again = catalog.approve(catalog.offer("welcome", catalog.shop))
    catalog.deploy(NOW + timedelta(hours=2))
    assert catalog.live_copy(again).code == "welcome"
    assert Offer.objects.live().filter(code="welcome").count() == 2  # one deactivated, one live
    assert Offer.objects.active_live().get(code="welcome").design_offer_id == again.pk


def test_a_deleted_category_is_disabled_in_live_then_removed_once_unused(world):
    catalog = world
    lone = catalog.category("Lone")
    leaf = catalog.category("Leaf", parent=lone)
    catalog.deploy()
    live_lone, live_leaf = catalog.live_category(lone), catalog.live_category(leaf)
    leaf.delete()
    lone.delete()
    counts = catalog.deploy(NOW + timedelta(hours=1))
    assert counts.categories_orphaned == 2 and counts.categories_deleted == 2
    assert not Category.objects.filter(pk__in=[live_lone.pk, live_leaf.pk]).exists()


def test_every_environment_pair_is_deployed_in_the_same_run(world, offer_manager):
    visitors = Catalog(offer_manager, name="Visitors", profile_table="cookie")
    root = visitors.category("Anonymous")
    deal = visitors.approve(visitors.offer("cookie-deal", root))
    world.approve(world.welcome)
    counts = world.deploy()
    assert counts.offers_published == 2
    assert visitors.live_copy(deal).environment == visitors.live
    assert world.live_copy(world.welcome).environment == world.live


def test_a_failed_deployment_leaves_the_previous_live_state(world, monkeypatch):
    catalog = world
    catalog.approve(catalog.welcome)
    before = table_rows(*LIVE_TABLES)
    monkeypatch.setattr(deployment, "CONTENTS_NEW", "INSERT INTO no_such_table VALUES (1)")
    with pytest.raises(Exception):  # noqa: B017 (the database's own error)
        catalog.deploy()
    assert table_rows(*LIVE_TABLES) == before
    catalog.welcome.refresh_from_db()
    assert catalog.welcome.status == OfferStatus.APPROVED  # still waiting: the next run deploys it


def test_the_plan_counts_what_the_deployment_then_does(world):
    catalog = world
    catalog.approve(catalog.welcome)
    planned = deployment.plan(NOW)
    done = catalog.deploy()
    assert (planned.offers_published, planned.categories_added, planned.spaces_added) == (1, 2, 2)
    assert (done.offers_published, done.categories_added, done.spaces_added) == (1, 2, 2)
    assert "1 published" in deployment.preview_text(NOW) or deployment.plan(NOW).total == 0


def _grow(catalog, offers, categories):
    tree = [catalog.category(f"c{n}", parent=None) for n in range(categories)]
    space = catalog.space(f"s{len(tree)}")
    for n in range(offers):
        offer = catalog.offer(f"o{categories}-{n}", tree[n % len(tree)], contents=[(space, "x")])
        Offer.objects.filter(pk=offer.pk).update(
            content_approval=Approval.APPROVED,
            eligibility_approval=Approval.APPROVED,
            status=OfferStatus.APPROVED,
        )


def test_the_number_of_statements_does_not_grow_with_the_catalog(catalog):
    def statements(offers, categories, now):
        _grow(catalog, offers, categories)
        with CaptureQueriesContext(connection) as captured:
            counts = catalog.deploy(now)
        assert counts.offers_published == offers
        return len(captured.captured_queries)

    small = statements(3, 2, NOW)
    large = statements(60, 15, NOW + timedelta(hours=1))
    assert small == large
