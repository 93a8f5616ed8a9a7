"""The catalog migrations are safe on a database that has rows: a catalog as the old
schema held it (generated demo data: design offers in every status, live copies of the
live ones, live spaces without a link, propositions without a channel) comes out with
its approvals, links and channels."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # a migration replay

BEFORE = [("offers", "0002_drop_duplicate_fk_index")]
T0 = "2026-01-01T00:00:00+00:00"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes("offers")


def test_old_rows_come_through_the_migrations():
    old = migrate(BEFORE)
    try:
        Environment = old.get_model("offers", "Environment")
        Category, Space = old.get_model("offers", "Category"), old.get_model("offers", "OfferSpace")
        Offer, Proposition = old.get_model("offers", "Offer"), old.get_model("offers", "Proposition")
        Channel, Delivery = old.get_model("campaign", "Channel"), old.get_model("campaign", "Delivery")
        sms, email = Channel.objects.get(code="sms"), Channel.objects.get(code="email")
        live = Environment.objects.create(name="Old (live)", kind="live")
        design = Environment.objects.create(name="Old (design)", kind="design", live=live)
        root = Category.objects.create(environment=design, name="Root")
        live_root = Category.objects.create(environment=live, name="Root", design_category=root)
        Space.objects.create(environment=design, name="Banner", channel=sms)
        live_space = Space.objects.create(environment=live, name="Banner", channel=sms)
        offers = {
            status: Offer.objects.create(
                environment=design, category=root, code=status, label=status, status=status, approved_at=T0
            )
            for status in ("edition", "pending_approval", "approved", "live", "disabled")
        }
        copy = Offer.objects.create(
            environment=live,
            category=live_root,
            code="live",
            label="live",
            status="live",
            design_offer=offers["live"],
            approved_at=T0,
        )
        delivery = Delivery.objects.create(label="Mailing", channel=email, created_at=T0)
        in_delivery = Proposition.objects.create(
            offer=copy,
            space=live_space,
            delivery=delivery,
            profile_table="recipient",
            profile_id=1,
            proposed_at=T0,
        )
        in_space = Proposition.objects.create(
            offer=copy, space=live_space, profile_table="recipient", profile_id=2, proposed_at=T0
        )
    finally:
        new = migrate(latest())

    Offer, Space = new.get_model("offers", "Offer"), new.get_model("offers", "OfferSpace")
    Proposition = new.get_model("offers", "Proposition")
    approvals = {
        offer.code: (offer.content_approval, offer.eligibility_approval, offer.version)
        for offer in Offer.objects.filter(environment__name="Old (design)")
    }
    assert approvals == {
        "edition": ("pending", "pending", 1),
        "pending_approval": ("approved", "pending", 1),
        "approved": ("approved", "approved", 1),
        "live": ("approved", "approved", 1),
        "disabled": ("pending", "pending", 1),
    }
    migrated_copy = Offer.objects.get(pk=copy.pk)
    assert migrated_copy.deployed_at is not None and migrated_copy.deactivated_at is None
    assert Space.objects.get(pk=live_space.pk).design_space.name == "Banner"
    channels = dict(Proposition.objects.values_list("pk", "channel__code"))
    assert channels == {in_delivery.pk: "email", in_space.pk: "sms"}  # the delivery's channel first
