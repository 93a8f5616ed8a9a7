"""DESIGN §5 on every offer screen and action: offer managers edit design and approve;
delivery operators see live only; report readers and supervisors see no offer screen;
anonymous operators go to the login page. A refused action changes nothing."""

import pytest
from django.urls import reverse

from offers import triggers
from offers.choices import Approval, OfferStatus
from offers.models import Category, Offer, OfferAudit, OfferSpace

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(catalog):
    root = catalog.category("Root")
    catalog.space("Banner")
    catalog.design_offer = catalog.offer("spring", root)
    live = catalog.approve(catalog.offer("summer", root))
    catalog.deploy()
    catalog.live_offer = catalog.live_copy(live)
    return catalog


def design_pages(world):
    offer = world.design_offer
    return [
        reverse("admin:offers_offer_changelist"),
        reverse("admin:offers_offer_add"),
        reverse("admin:offers_offer_change", args=[offer.pk]),
        reverse("admin:offers_offer_approval", args=[offer.pk]),
        reverse("admin:offers_category_changelist"),
        reverse("admin:offers_offerspace_changelist"),
        reverse("admin:offers_offeraudit_changelist"),
    ]


def live_pages(world):
    return [
        reverse("admin:offers_liveoffer_changelist"),
        reverse("admin:offers_liveoffer_change", args=[world.live_offer.pk]),
        reverse("admin:offers_livecategory_changelist"),
        reverse("admin:offers_liveofferspace_changelist"),
        reverse("offers:deployment"),
        reverse("offers:live_catalog_csv"),
    ]


def actions(world):
    """(url, POST data) of every state-changing action of the offer screens."""
    offer = world.design_offer
    decide = reverse("admin:offers_offer_decide", args=[offer.pk])
    return [
        (decide, {"action": "approve_content", "version": "1"}),
        (decide, {"action": "reject_eligibility", "version": "1"}),
        (decide, {"action": "reinitialize", "version": "1"}),
        (decide, {"action": "disable", "version": "1"}),
        (reverse("offers:deploy_now"), {}),
        (reverse("admin:offers_offer_delete", args=[offer.pk]), {"post": "yes"}),
        (reverse("admin:offers_offer_change", args=[offer.pk]), {"label": "hacked", "loaded_version": "1"}),
        (reverse("admin:offers_category_add"), {"name": "x", "environment": str(world.design.pk)}),
    ]


def state():
    return (
        list(Offer.objects.order_by("id").values_list("label", "status", "content_approval", "version")),
        Category.objects.count(),
        OfferSpace.objects.count(),
        OfferAudit.objects.count(),
        triggers.pending_requests(),
    )


def test_a_delivery_operator_sees_live_only_and_changes_nothing(client, delivery_operator, world):
    client.force_login(delivery_operator)
    for url in design_pages(world):
        assert client.get(url).status_code == 403, url
    for url in live_pages(world):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("admin:offers_proposition_changelist")).status_code == 200
    before = state()
    for url, data in actions(world):
        assert client.post(url, data).status_code == 403, url
    assert state() == before


@pytest.mark.parametrize("group", ["Report readers", "Workflow supervisors"])
def test_other_roles_see_no_offer_screen(client, make_operator, world, group):
    client.force_login(make_operator("someone", groups=[group]))
    for url in [*design_pages(world), *live_pages(world), reverse("admin:offers_proposition_changelist")]:
        assert client.get(url).status_code == 403, url
    before = state()
    for url, data in actions(world):
        assert client.post(url, data).status_code == 403, url
    assert state() == before
    home = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:offers_liveoffer_changelist") not in home and 'id="home-offers"' not in home


def test_anonymous_operators_are_sent_to_the_login_page(client, world):
    for url in [*design_pages(world), *live_pages(world)]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url, url
    before = state()
    for url, data in actions(world):
        assert client.post(url, data).status_code == 302, url
    assert state() == before


def test_an_offer_manager_edits_design_approves_and_sees_live(client, offer_manager, world):
    client.force_login(offer_manager)
    for url in [*design_pages(world), *live_pages(world)]:
        assert client.get(url).status_code == 200, url
    decide = reverse("admin:offers_offer_decide", args=[world.design_offer.pk])
    client.post(decide, {"action": "approve_content", "version": "1"})
    world.design_offer.refresh_from_db()
    assert world.design_offer.content_approval == Approval.APPROVED
    # Live is read-only for everyone: no add, change or delete.
    live_change = reverse("admin:offers_liveoffer_change", args=[world.live_offer.pk])
    assert client.post(live_change, {"label": "edited in live"}).status_code == 403
    assert 'name="_save"' not in client.get(live_change).content.decode()


def test_an_editor_without_the_approval_right_cannot_approve(client, make_operator, world):
    from django.contrib.auth.models import Permission

    editor = make_operator("eddie")
    editor.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="offers", codename__in=["view_offer", "change_offer"]
        )
    )
    client.force_login(editor)
    page = client.get(reverse("admin:offers_offer_approval", args=[world.design_offer.pk])).content.decode()
    assert 'data-action="approve_content"' not in page and 'data-action="disable"' in page
    decide = reverse("admin:offers_offer_decide", args=[world.design_offer.pk])
    assert client.post(decide, {"action": "approve_content", "version": "1"}).status_code == 403
    world.design_offer.refresh_from_db()
    assert world.design_offer.content_approval == Approval.PENDING
    assert client.post(decide, {"action": "disable", "version": "1"}).status_code == 302
    world.design_offer.refresh_from_db()
    assert world.design_offer.status == OfferStatus.DISABLED


def test_the_sidebar_shows_each_role_its_own_entries(client, offer_manager, delivery_operator, world):
    design = reverse("admin:offers_offer_changelist")
    live = reverse("admin:offers_liveoffer_changelist")
    client.force_login(delivery_operator)
    home = client.get(reverse("admin:index")).content.decode()
    assert f'href="{live}"' in home and f'href="{design}"' not in home
    client.force_login(offer_manager)
    home = client.get(reverse("admin:index")).content.decode()
    assert f'href="{live}"' in home and f'href="{design}"' in home
