"""The public endpoints and their tokens: valid, forged, truncated, re-signed,
expired, tampered URL id; the click never redirects anywhere but its URL's target."""

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.urls import reverse

from campaign.choices import TrackingKind
from campaign.models import TrackingHit
from campaign.tracking import tokens
from campaign.tracking.views import PIXEL

from .conftest import CHROME, NOW


@pytest.fixture
def sent(tracking):
    """A delivery with one log, its open URL and a click URL."""
    delivery = tracking.delivery()
    log = tracking.logs(delivery, 1)[0]
    return log, tracking.url(delivery, TrackingKind.OPEN), tracking.url(delivery)


def pixel(client, token, **headers):
    return client.get(reverse("tracking_public:open", args=[token]), **headers)


def click(client, token, query=""):
    return client.get(reverse("tracking_public:click", args=[token]) + query)


def test_the_pixel_appends_one_open_hit_and_answers_a_gif(client, tracking, sent):
    log, opened, _clicked = sent
    response = pixel(client, tracking.token(log, opened), HTTP_USER_AGENT=CHROME)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif" and response.content == PIXEL
    assert "no-store" in response["Cache-Control"]
    hit = TrackingHit.objects.get()
    assert (hit.delivery_id, hit.delivery_log_id, hit.url_id, hit.kind) == (
        log.delivery_id,
        log.pk,
        opened.pk,
        "open",
    )
    assert (hit.profile_table, hit.profile_id, hit.user_agent) == ("recipient", log.profile_id, CHROME)
    assert hit.consolidated_at is None


def test_a_click_appends_its_hit_and_redirects_to_its_urls_own_target(client, tracking, sent):
    log, _opened, clicked = sent
    response = click(client, tracking.token(log, clicked), "?next=https://evil.example.net/&url=https://x.y/")
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/offer"
    assert TrackingHit.objects.get().kind == "click"


@pytest.mark.parametrize(
    "damage",
    [
        lambda token: token[:-1],  # truncated
        lambda token: token[:20],
        lambda token: token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),  # forged signature
        lambda token: "x" + token,
        lambda token: "",
        lambda token: token.replace(":", "."),
    ],
)
def test_a_damaged_token_gets_404_and_writes_nothing(client, tracking, sent, damage):
    log, opened, clicked = sent
    assert pixel(client, damage(tracking.token(log, opened)) or "-").status_code == 404
    assert click(client, damage(tracking.token(log, clicked)) or "-").status_code == 404
    assert not TrackingHit.objects.exists()


def test_a_token_whose_url_id_was_changed_is_refused(client, tracking, sent):
    log, _opened, clicked = sent
    other = tracking.url(log.delivery, target="https://elsewhere.example.com/")
    token = tracking.token(log, clicked)
    payload, rest = token.split(":", 1)
    fields = payload.split(".")
    fields[2] = tokens._base36(other.pk)
    response = click(client, ".".join(fields) + ":" + rest)
    assert response.status_code == 404
    assert not TrackingHit.objects.exists()


def test_a_token_signed_with_another_key_is_refused(client, tracking, sent, settings):
    log, opened, clicked = sent
    hit = tokens.Hit(log.delivery_id, log.pk, clicked.pk, "click", "recipient", log.profile_id)
    for key in (settings.SECRET_KEY, "an-attackers-own-key-of-sufficient-length-0123"):
        resigned = signing.TimestampSigner(key=key, salt="campaign.tracking.click", algorithm="sha256")
        assert click(client, resigned.sign(tokens._encode(hit))).status_code == 404
    assert not TrackingHit.objects.exists()


def test_a_click_token_is_no_pixel_token_and_the_other_way_round(client, tracking, sent):
    log, opened, clicked = sent
    assert pixel(client, tracking.token(log, clicked)).status_code == 404
    assert click(client, tracking.token(log, opened)).status_code == 404
    assert not TrackingHit.objects.exists()


def test_rotating_the_key_keeps_the_links_already_sent_while_the_old_key_is_a_fallback(
    client, tracking, sent, settings
):
    log, opened, _clicked = sent
    token = tracking.token(log, opened)
    old = settings.TRACKING_SIGNING_KEY
    settings.TRACKING_SIGNING_KEY = "the-new-tracking-key-0123456789-abcdefghijklmnop"
    settings.TRACKING_SIGNING_FALLBACK_KEYS = [old]
    assert pixel(client, token).status_code == 200
    settings.TRACKING_SIGNING_FALLBACK_KEYS = []
    assert pixel(client, token).status_code == 404
    assert TrackingHit.objects.count() == 1


def test_rotating_secret_key_does_not_touch_tracking_links(client, tracking, sent, settings):
    log, opened, _clicked = sent
    token = tracking.token(log, opened)
    settings.SECRET_KEY = "a-completely-different-secret-key-for-the-session-cookies-0123456789"
    assert pixel(client, token).status_code == 200


def test_an_expired_token_still_leads_to_its_target_but_records_nothing(client, tracking, sent):
    log, opened, clicked = sent
    with time_machine.travel(NOW, tick=False):
        open_token, click_token = tracking.token(log, opened), tracking.token(log, clicked)
    with time_machine.travel(NOW + timedelta(days=359), tick=False):
        assert pixel(client, open_token).status_code == 200
    assert TrackingHit.objects.count() == 1
    with time_machine.travel(NOW + timedelta(days=361), tick=False):
        assert pixel(client, open_token).content == PIXEL
        response = click(client, click_token)
    assert response.status_code == 302 and response["Location"] == "https://shop.example.com/offer"
    assert TrackingHit.objects.count() == 1


def test_a_click_on_a_url_deleted_since_gets_404_and_writes_nothing(client, tracking, sent):
    log, _opened, clicked = sent
    token = tracking.token(log, clicked)
    clicked.delete()
    assert click(client, token).status_code == 404
    assert not TrackingHit.objects.exists()


def test_with_tracking_off_the_endpoints_answer_404(client, tracking, sent, settings):
    log, opened, clicked = sent
    open_token, click_token = tracking.token(log, opened), tracking.token(log, clicked)
    settings.TRACKING_ENABLED = False
    assert pixel(client, open_token).status_code == 404
    assert click(client, click_token).status_code == 404
    assert not TrackingHit.objects.exists()
    with pytest.raises(tokens.TrackingDisabled):
        tracking.token(log, opened)


def test_only_get_and_head_are_answered(client, tracking, sent):
    log, opened, _clicked = sent
    url = reverse("tracking_public:open", args=[tracking.token(log, opened)])
    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200
    assert TrackingHit.objects.count() == 1


def test_the_endpoints_need_no_login_and_set_no_cookie(client, tracking, sent):
    log, opened, clicked = sent
    response = pixel(client, tracking.token(log, opened))
    assert response.status_code == 200 and not response.cookies
    assert click(client, tracking.token(log, clicked)).status_code == 302


@pytest.mark.django_db(transaction=True)
def test_with_the_buffer_off_each_hit_is_committed_by_its_request(client, tracking, settings):
    from django.db import connection

    settings.TRACKING_HIT_BUFFER_MS = 0
    delivery = tracking.delivery()
    log = tracking.logs(delivery, 1)[0]
    token = tracking.token(log, tracking.url(delivery, TrackingKind.OPEN))
    assert pixel(client, token).status_code == 200
    assert TrackingHit.objects.filter(delivery=delivery).count() == 1
    connection.close()
    assert pixel(client, token).status_code == 200
    assert TrackingHit.objects.filter(delivery=delivery).count() == 2
