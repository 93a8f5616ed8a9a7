"""The offer screens: editing design offers (versions, approvals sent back, bad input
refused with a message), the approval page and its actions, the live screens, the
propositions list and its filters, the Deployment page, the CSV export."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.choices import ProfileTable
from campaign.models import Channel, Delivery
from offers import triggers
from offers.choices import Approval, AuditAction, OfferStatus, PropositionStatus
from offers.models import Offer, OfferAudit, Proposition
from tests.query_counts import assert_no_n_plus_one
from workflows.api import run_by_name

from .conftest import NOW

pytestmark = pytest.mark.django_db

ADD = reverse("admin:offers_offer_add")


@pytest.fixture
def manager_client(client, offer_manager):
    client.force_login(offer_manager)
    return client


@pytest.fixture
def shop(catalog):
    catalog.root = catalog.category("Root")
    catalog.banner = catalog.space("Email banner")
    return catalog


def offer_post(catalog, *, contents=(), **fields):
    data = {
        "environment": str(catalog.design.pk),
        "category": str(catalog.root.pk),
        "code": "winter",
        "label": "Winter",
        "content": "",
        "weight": "1",
        "valid_from_0": "",
        "valid_from_1": "",
        "valid_until_0": "",
        "valid_until_1": "",
        "target": "",
        "loaded_version": "",
        "contents-TOTAL_FORMS": str(len(contents)),
        "contents-INITIAL_FORMS": "0",
        "contents-MIN_NUM_FORMS": "0",
        "contents-MAX_NUM_FORMS": "1000",
    }
    for number, (space, text) in enumerate(contents):
        data.update(
            {
                f"contents-{number}-space": str(space.pk),
                f"contents-{number}-title": "",
                f"contents-{number}-text": text,
                f"contents-{number}-link": "",
            }
        )
    data.update(fields)
    return data


def change_post(offer, **fields):
    data = {
        "category": str(offer.category_id),
        "label": offer.label,
        "content": offer.content,
        "weight": str(offer.weight),
        "valid_from_0": "",
        "valid_from_1": "",
        "valid_until_0": "",
        "valid_until_1": "",
        "target": "",
        "loaded_version": str(offer.version),
        "contents-TOTAL_FORMS": "0",
        "contents-INITIAL_FORMS": "0",
        "contents-MIN_NUM_FORMS": "0",
        "contents-MAX_NUM_FORMS": "1000",
    }
    data.update(fields)
    return data


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- Editing -------------------------------------------------------------------------------


def test_an_offer_manager_creates_an_offer_with_content_per_space(manager_client, shop):
    response = manager_client.post(ADD, offer_post(shop, contents=[(shop.banner, "Snow!")]))
    assert response.status_code == 302, response.content.decode()[:2000]
    offer = Offer.objects.design().get(code="winter")
    assert (offer.status, offer.version, offer.content_approval) == (OfferStatus.EDITION, 1, Approval.PENDING)
    assert list(offer.contents.values_list("text", flat=True)) == ["Snow!"]
    assert OfferAudit.objects.get(offer=offer).action == AuditAction.CREATED


@pytest.mark.parametrize(
    "fields, field, message",
    [
        (
            {"target": '{"field": "shoe_size", "op": "eq", "value": "9"}'},
            "target",
            "unknown field 'shoe_size'",
        ),
        ({"target": "{not json"}, "target", "Enter a valid JSON"),
        (
            {
                "valid_from_0": "2026-05-01",
                "valid_from_1": "10:00",
                "valid_until_0": "2026-04-01",
                "valid_until_1": "10:00",
            },
            "valid_until",
            "must end after it starts",
        ),
        ({"code": "not a slug!"}, "code", "letters, numbers, underscores or hyphens"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(
    manager_client, shop, fields, field, message
):
    response = manager_client.post(ADD, offer_post(shop, **fields))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors.get(field, [])), errors
    assert not Offer.objects.filter(code="winter").exists()
    assert not OfferAudit.objects.exists()


def test_a_category_of_another_environment_is_refused(manager_client, shop, offer_manager):
    from .conftest import Catalog

    other = Catalog(offer_manager, name="Visitors", profile_table=ProfileTable.COOKIE)
    foreign = other.category("Elsewhere")
    response = manager_client.post(ADD, offer_post(shop, category=str(foreign.pk)))
    assert "Choose a category of the environment" in " ".join(
        response.context["adminform"].form.errors["category"]
    )
    # A target filter on a visitors environment is refused too: it selects recipients.
    response = manager_client.post(
        ADD,
        offer_post(
            shop,
            environment=str(other.design.pk),
            category=str(foreign.pk),
            target='{"field": "country", "op": "eq", "value": "FR"}',
        ),
    )
    assert "Target filters select recipients" in " ".join(response.context["adminform"].form.errors["target"])
    assert not Offer.objects.exists()


def test_saving_an_edit_makes_a_new_version_and_sends_the_approval_back(manager_client, shop):
    offer = shop.approve(shop.offer("spring", shop.root))
    url = reverse("admin:offers_offer_change", args=[offer.pk])
    page = manager_client.get(url).content.decode()
    assert 'id="approval-link"' in page and 'id="edit-warning"' in page
    response = manager_client.post(url, change_post(offer, label="Spring sale"))
    assert response.status_code == 302
    offer.refresh_from_db()
    assert (offer.label, offer.version, offer.content_approval, offer.eligibility_approval) == (
        "Spring sale",
        2,
        Approval.PENDING,
        Approval.APPROVED,
    )
    # Saving again without a change makes no new version.
    manager_client.post(url, change_post(offer))
    offer.refresh_from_db()
    assert offer.version == 2


def test_an_edit_of_a_version_changed_meanwhile_is_refused(manager_client, shop):
    offer = shop.offer("spring", shop.root)
    opened = change_post(offer, label="Mine")
    shop.edit(offer, label="Theirs")
    response = manager_client.post(reverse("admin:offers_offer_change", args=[offer.pk]), opened)
    assert response.status_code == 200
    assert "changed since you opened it" in response.content.decode()
    offer.refresh_from_db()
    assert (offer.label, offer.version) == ("Theirs", 2)


def test_the_code_cannot_change_after_creation(manager_client, shop):
    offer = shop.offer("spring", shop.root)
    manager_client.post(
        reverse("admin:offers_offer_change", args=[offer.pk]), change_post(offer, code="other")
    )
    offer.refresh_from_db()
    assert offer.code == "spring"


# --- Approval page ----------------------------------------------------------------------------


def test_the_approval_page_shows_what_is_approved_with_the_inherited_rules(manager_client, shop):
    sub = shop.category(
        "Sub", parent=shop.root, target={"field": "country", "op": "eq", "value": "FR"}, weight=2.0
    )
    offer = shop.offer("spring", sub, contents=[(shop.banner, "Bloom")], weight=3)
    page = manager_client.get(reverse("admin:offers_offer_approval", args=[offer.pk])).content.decode()
    assert "category Root" in page and "category Sub" in page and "offer spring" in page
    assert "country = FR" in page and "6.00" in page  # weight 3 × 2
    assert "Bloom" in page and 'data-action="approve_content"' in page
    assert 'data-state="pending"' in page


def test_approving_both_on_the_page_requests_a_deployment(
    manager_client, shop, django_capture_on_commit_callbacks
):
    offer = shop.offer("spring", shop.root)
    url = reverse("admin:offers_offer_decide", args=[offer.pk])
    response = manager_client.post(
        url, {"action": "approve_content", "version": "1", "comment": "fine"}, follow=True
    )
    assert any("Content of offer spring approved" in text for text in messages_of(response))
    with django_capture_on_commit_callbacks() as callbacks:
        response = manager_client.post(url, {"action": "approve_eligibility", "version": "1"}, follow=True)
    assert any("deploys the offer to live within a minute" in text for text in messages_of(response))
    offer.refresh_from_db()
    assert offer.status == OfferStatus.APPROVED and triggers.pending_requests() == 1
    assert len(callbacks) == 1  # the engine is asked once the approval is committed


def test_a_stale_decision_is_refused_on_the_page(manager_client, shop):
    offer = shop.offer("spring", shop.root)
    shop.edit(offer, label="Changed")
    url = reverse("admin:offers_offer_decide", args=[offer.pk])
    response = manager_client.post(url, {"action": "approve_content", "version": "1"}, follow=True)
    assert any("changed since you opened it" in text for text in messages_of(response))
    offer.refresh_from_db()
    assert offer.content_approval == Approval.PENDING


def test_an_unknown_action_or_a_get_changes_nothing(manager_client, shop):
    offer = shop.offer("spring", shop.root)
    url = reverse("admin:offers_offer_decide", args=[offer.pk])
    assert manager_client.post(url, {"action": "delete_everything", "version": "1"}).status_code == 404
    assert manager_client.get(url).status_code == 405
    offer.refresh_from_db()
    assert offer.content_approval == Approval.PENDING


# --- Live screens and propositions ----------------------------------------------------------------


@pytest.fixture
def live_world(shop):
    spring = shop.approve(shop.offer("spring", shop.root, contents=[(shop.banner, "Bloom")]))
    shop.deploy()
    shop.spring = shop.live_copy(spring)
    shop.live_banner = shop.spring.contents.get().space
    return shop


def test_a_delivery_operator_sees_live_offers_read_only(client, delivery_operator, live_world):
    client.force_login(delivery_operator)
    url = reverse("admin:offers_liveoffer_changelist")
    listing = client.get(url).content.decode()
    assert "spring" in listing
    # The environment filter offers live environments only.
    filtered = client.get(f"{url}?environment={live_world.live.pk}")
    assert [offer.code for offer in filtered.context["cl"].result_list] == ["spring"]
    assert "Recipients (design)" not in filtered.content.decode()
    page = client.get(reverse("admin:offers_liveoffer_change", args=[live_world.spring.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Bloom" in html and 'id="eligibility"' in html and 'id="propositions-link"' in html
    assert 'name="_save"' not in html  # read-only
    label = live_world.spring.label
    assert (
        client.post(
            reverse("admin:offers_liveoffer_change", args=[live_world.spring.pk]), {"label": "x"}
        ).status_code
        == 403
    )
    live_world.spring.refresh_from_db()
    assert live_world.spring.label == label


def propositions(world, n, status=PropositionStatus.GENERATED, delivery=None, at=None):
    Proposition.objects.bulk_create(
        Proposition(
            offer=world.spring,
            space=world.live_banner,
            channel=Channel.objects.get(code="email"),
            delivery=delivery,
            profile_table=ProfileTable.RECIPIENT,
            profile_id=number,
            status=status,
            proposed_at=at or timezone.now() - timedelta(hours=number % 48),
        )
        for number in range(n)
    )


def test_the_propositions_list_filters_by_status_channel_space_date_offer_and_delivery(
    client, delivery_operator, live_world
):
    client.force_login(delivery_operator)
    delivery = Delivery.objects.create(
        label="Mailing", channel=Channel.objects.get(code="email"), created_at=NOW
    )
    propositions(live_world, 3, PropositionStatus.PRESENTED, delivery=delivery)
    propositions(live_world, 2, PropositionStatus.ACCEPTED, at=timezone.now() - timedelta(days=100))
    url = reverse("admin:offers_proposition_changelist")

    def count(query):
        response = client.get(url + query)
        assert response.status_code == 200, query
        return len(response.context["cl"].result_list)

    assert count("") == 5
    assert count("?status__exact=presented") == 3
    assert count(f"?channel__id__exact={Channel.objects.get(code='email').pk}") == 5
    assert count(f"?space={live_world.live_banner.pk}") == 5
    assert count("?proposed=30d") == 3
    assert count("?in_delivery=no") == 2
    assert count(f"?delivery__id__exact={delivery.pk}") == 3
    assert count(f"?offer__id__exact={live_world.spring.pk}") == 5
    assert count("?q=spring") == 5


def test_the_propositions_list_reads_as_many_queries_for_300_rows_as_for_1(
    client, delivery_operator, live_world
):
    client.force_login(delivery_operator)
    url = reverse("admin:offers_proposition_changelist")
    assert_no_n_plus_one(client, url, lambda count: propositions(live_world, count))


def test_the_design_and_live_offer_lists_read_as_many_queries_for_300_offers_as_for_1(manager_client, shop):
    made = []

    def add_offers(count):
        for _ in range(count):
            made.append(Offer(environment=shop.design, category=shop.root, code=f"o-{len(made)}", label="x"))
        Offer.objects.bulk_create(made[-count:])

    assert_no_n_plus_one(manager_client, reverse("admin:offers_offer_changelist"), add_offers)
    Offer.objects.all().update(
        content_approval=Approval.APPROVED,
        eligibility_approval=Approval.APPROVED,
        status=OfferStatus.APPROVED,
    )
    shop.deploy()
    Offer.objects.live().exclude(pk=Offer.objects.live().order_by("pk").first().pk).update(deactivated_at=NOW)

    def activate(count):
        ids = (
            Offer.objects.live()
            .filter(deactivated_at__isnull=False)
            .order_by("pk")
            .values_list("pk", flat=True)[:count]
        )
        Offer.objects.filter(pk__in=list(ids)).update(deactivated_at=None)

    assert_no_n_plus_one(
        manager_client, reverse("admin:offers_liveoffer_changelist") + "?status__exact=live", activate
    )


# --- Deployment page and CSV --------------------------------------------------------------------


def test_the_deployment_page_shows_what_waits_and_what_live_holds(manager_client, live_world):
    run_by_name("offerMgt")
    live_world.approve(live_world.offer("summer", live_world.root))
    response = manager_client.get(reverse("offers:deployment"))
    page = response.content.decode()
    assert 'id="plan" data-total="1"' in page
    assert 'data-environment="Recipients (live)"' in page and 'id="deploy-now"' in page
    assert 'id="changes-chart-data"' in page and 'data-status="succeeded"' in page
    assert response.context["chart"]["values"] == [0]  # the run had nothing new to deploy


def test_deploy_now_asks_the_engine_for_a_run(manager_client, live_world, django_capture_on_commit_callbacks):
    waiting = triggers.pending_requests()
    with django_capture_on_commit_callbacks() as callbacks:
        response = manager_client.post(reverse("offers:deploy_now"), follow=True)
    assert any("Deployment requested" in text for text in messages_of(response))
    assert triggers.pending_requests() == waiting + 1 and len(callbacks) == 1


def test_the_live_catalog_csv_neutralises_formulas(client, delivery_operator, live_world):
    Offer.objects.filter(pk=live_world.spring.pk).update(label="=HYPERLINK(1)")
    client.force_login(delivery_operator)
    response = client.get(reverse("offers:live_catalog_csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["environment", "code", "label"]
    assert rows[1][1:3] == ["spring", "'=HYPERLINK(1)"]


def test_the_home_page_shows_the_offer_block(client, delivery_operator, live_world):
    client.force_login(delivery_operator)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="home-offers"' in page and 'id="home-live-offers">1<' in page


def test_the_offer_screens_are_in_french(client, offer_manager, live_world):
    client.force_login(offer_manager)
    client.cookies["django_language"] = "fr"
    design = live_world.offer("autumn", live_world.root)
    approval = client.get(reverse("admin:offers_offer_approval", args=[design.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    html = approval.content.decode()
    assert "Valider le contenu" in html and "Réinitialiser la validation" in html and "En édition" in html
    assert "Éligibilité, avec les règles héritées des catégories" in html
    deployment_page = client.get(reverse("offers:deployment"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Catalogue live" in deployment_page and "Déployer maintenant" in deployment_page
    response = client.post(
        reverse("admin:offers_offer_decide", args=[design.pk]),
        {"action": "approve_content", "version": "2"},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    )
    assert any(
        "a changé depuis que vous l’avez ouverte" in text or "a changé depuis que vous l'avez ouverte" in text
        for text in messages_of(response)
    )
