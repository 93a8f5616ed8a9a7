"""Tracked content: links rewritten into signed tracked links, the pixel added, the
rest of the content byte for byte; the tracked links work end to end."""

import re
from html import unescape

import pytest
from django.urls import reverse

from campaign.choices import TrackingKind
from campaign.models import TrackingHit, TrackingUrl
from campaign.tracking import consolidation, tokens
from campaign.tracking.links import DeliveryLinks
from campaign.tracking.models import TrackingLog

from .conftest import NOW

CONTENT = """<!DOCTYPE html>
<html><head><title>June &amp; news</title></head>
<body>
<!-- header -->
<p>Hello&nbsp;you, <a href="https://shop.example.com/?a=1&amp;b=2" class="cta">Shop</a></p>
<p><a href="https://shop.example.com/?a=1&amp;b=2">Shop again</a> <a href="mailto:help@example.com">Help</a>
<a href="#top">Top</a> <a href="https://www.example.com/unsubscribe" data-tracking="optout">Unsubscribe</a>
<a href="https://www.example.com/legal" data-tracking="off">Legal</a><img src="logo.png"/></p>
</body>
</html>"""


def hrefs(html):
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def test_links_become_tracked_links_and_the_pixel_goes_before_the_body_end(tracking):
    delivery = tracking.delivery()
    first, second = tracking.logs(delivery, 2)
    links = DeliveryLinks.prepare(delivery, CONTENT)
    html = links.render(first)
    found = hrefs(html)
    tracked = [h for h in found if h.startswith("https://t.example.com/p/tracking/c/")]
    assert len(tracked) == 3  # the shop link twice, the opt-out once
    assert "mailto:help@example.com" in found and "#top" in found and "https://www.example.com/legal" in found
    assert 'class="cta"' in html and "<!-- header -->" in html and "Hello&nbsp;you" in html
    assert '<img src="logo.png"/>' in html
    # A link left alone is left byte for byte; tracked ones lose the instruction.
    assert html.count("data-tracking") == 1 and 'data-tracking="off">Legal</a>' in html
    pixel = re.search(r'<img src="([^"]*)" width="1" height="1"', html).group(1)
    assert html.index(pixel) < html.index("</body>")
    # One URL per distinct target and type, plus the open URL; preparing again reuses them.
    kinds = sorted(TrackingUrl.objects.filter(delivery=delivery).values_list("kind", "url"))
    assert kinds == [
        ("click", "https://shop.example.com/?a=1&b=2"),
        ("open", "https://t.example.com/"),
        ("optout", "https://www.example.com/unsubscribe"),
    ]
    DeliveryLinks.prepare(delivery, CONTENT)
    assert TrackingUrl.objects.filter(delivery=delivery).count() == 3
    # Each message has its own tokens.
    assert links.render(second) != html
    assert links.render(first).count("/p/tracking/") == 4


def test_the_tracked_links_of_a_message_work_end_to_end(client, tracking):
    delivery = tracking.delivery()
    log = tracking.logs(delivery, 1)[0]
    html = DeliveryLinks.prepare(delivery, CONTENT).render(log)
    base = "https://t.example.com"
    for href in {h for h in hrefs(html) if h.startswith(base)}:
        response = client.get(href.removeprefix(base))
        assert response.status_code == 302
    pixel = unescape(re.search(r'<img src="([^"]*)" width="1"', html).group(1))
    assert client.get(pixel.removeprefix(base)).status_code == 200
    assert sorted(TrackingHit.objects.values_list("kind", flat=True)) == ["click", "open", "optout"]
    consolidation.consolidate(NOW, 100, log=lambda line: None)
    assert TrackingLog.objects.filter(delivery=delivery, delivery_log=log).count() == 3


def test_content_without_a_body_gets_the_pixel_at_the_end(tracking):
    delivery = tracking.delivery()
    log = tracking.logs(delivery, 1)[0]
    html = DeliveryLinks.prepare(delivery, '<p><a href="http://example.com/x">x</a></p>').render(log)
    assert html.startswith('<p><a href="https://t.example.com/p/tracking/c/')
    assert html.endswith('style="display:none">')


def test_a_log_of_another_delivery_is_refused(tracking):
    first, second = tracking.delivery("first"), tracking.delivery("second")
    tracking.logs(first, 1)
    other = tracking.logs(second, 1)[0]
    with pytest.raises(ValueError):
        DeliveryLinks.prepare(first, CONTENT).render(other)


def test_no_link_can_be_tracked_with_tracking_off(tracking, settings):
    settings.TRACKING_ENABLED = False
    with pytest.raises(tokens.TrackingDisabled):
        DeliveryLinks.prepare(tracking.delivery(), CONTENT)
    assert not TrackingUrl.objects.filter(kind=TrackingKind.OPEN).exists()
    assert reverse("tracking_public:open", args=["x"]).startswith("/p/tracking/")
