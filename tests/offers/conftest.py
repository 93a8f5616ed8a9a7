"""Builders for the offer tests: an environment pair, categories, spaces, design offers
approved the way an approver does it, and the operators of each role."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from campaign.models import Channel
from offers import approvals, deployment
from offers.choices import Approval, EnvironmentKind
from offers.models import Category, Environment, Offer, OfferContent, OfferSpace

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Catalog:
    """A design environment and its live pair, with helpers that build the catalog."""

    def __init__(self, approver, name="Recipients", profile_table="recipient"):
        self.approver = approver
        live, _ = Environment.objects.get_or_create(
            name=f"{name} (live)", defaults={"kind": EnvironmentKind.LIVE, "profile_table": profile_table}
        )
        self.design, _ = Environment.objects.get_or_create(
            name=f"{name} (design)",
            defaults={"kind": EnvironmentKind.DESIGN, "profile_table": profile_table, "live": live},
        )
        self.live = self.design.live

    def category(self, name, parent=None, **fields):
        return Category.objects.create(environment=self.design, parent=parent, name=name, **fields)

    def space(self, name, channel="email", **fields):
        return OfferSpace.objects.create(
            environment=self.design, name=name, channel=Channel.objects.get(code=channel), **fields
        )

    def offer(self, code, category, contents=(), **fields):
        fields.setdefault("label", code.title())
        offer = Offer.objects.create(environment=self.design, category=category, code=code, **fields)
        for space, text in contents:
            OfferContent.objects.create(offer=offer, space=space, title=f"{code} in {space.name}", text=text)
        approvals.record_creation(offer, self.approver, NOW)
        return offer

    def approve(self, offer, now=NOW, kinds=("content", "eligibility")):
        """Grant the approvals an approver would, on the current version."""
        for kind in kinds:
            offer.refresh_from_db()
            if getattr(offer, f"{kind}_approval") != Approval.APPROVED:
                approvals.decide(offer.pk, kind, Approval.APPROVED, self.approver, now, version=offer.version)
        offer.refresh_from_db()
        return offer

    def edit(self, offer, now=NOW, **fields):
        """An edit as the offer form saves it: fields, then the approvals it concerns."""
        for name, value in fields.items():
            setattr(offer, name, value)
        offer.save(update_fields=[*fields, "updated_at"])
        approvals.record_edit(
            offer.pk,
            self.approver,
            now,
            content_changed=any(name in approvals.CONTENT_FIELDS for name in fields),
            eligibility_changed=any(name in approvals.ELIGIBILITY_FIELDS for name in fields),
            changed_fields=list(fields),
        )
        offer.refresh_from_db()
        return offer

    def deploy(self, now=NOW):
        return deployment.deploy(now)

    def live_copy(self, offer):
        return Offer.objects.live().get(design_offer_id=offer.pk)

    def live_category(self, category):
        return Category.objects.live().get(design_category_id=category.pk)


@pytest.fixture
def offer_manager(make_operator):
    return make_operator("olga", groups=["Offer managers"], email="olga@example.com")


@pytest.fixture
def delivery_operator(make_operator):
    return make_operator("dora", groups=["Delivery operators"])


@pytest.fixture
def catalog(offer_manager):
    return Catalog(offer_manager)


def table_rows(*models):
    """Every row of the given tables, as tuples (to compare before and after)."""
    rows = {}
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY id")
            rows[table] = cursor.fetchall()
    return rows
