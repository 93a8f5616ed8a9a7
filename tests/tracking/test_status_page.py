"""The Tracking page (Administration › Production › Tracking) and the read-only lists:
login and permission, what they show."""

from django.urls import reverse

from campaign.choices import TrackingKind
from campaign.tracking import consolidation

from .conftest import NOW


def test_the_page_needs_login_and_its_permission(client, make_operator):
    url = reverse("tracking:status")
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_operator("reader", groups=["Report readers"]))
    assert client.get(url).status_code == 403
    client.force_login(make_operator("sam", groups=["Workflow supervisors"]))
    assert client.get(url).status_code == 200


def test_the_page_shows_the_pointer_and_the_waiting_hits(administrator_client, tracking, settings):
    delivery = tracking.delivery()
    logs = tracking.logs(delivery, 3)
    url = tracking.url(delivery, TrackingKind.OPEN)
    first = tracking.hit(logs[0], url)
    consolidation.consolidate(NOW, 100, log=lambda line: None)
    tracking.hit(logs[1], url)
    tracking.hit(logs[2], url)
    page = administrator_client.get(reverse("tracking:status")).content.decode()
    assert 'id="pending-hits" data-value="2"' in page
    assert f"#{first.pk}" in page
    assert 'id="tracking-enabled"' in page and "https://t.example.com" in page
    settings.TRACKING_ENABLED = False
    page = administrator_client.get(reverse("tracking:status")).content.decode()
    assert 'id="tracking-disabled"' in page


def test_delivery_operators_see_tracking_logs_read_only(client, make_operator, tracking):
    client.force_login(make_operator("dora", groups=["Delivery operators"]))
    response = client.get(reverse("admin:tracking_trackinglog_changelist"))
    assert response.status_code == 200
    assert client.get(reverse("admin:tracking_trackinglog_add")).status_code == 403
    assert client.get(reverse("admin:index")).content.decode().count(reverse("tracking:status")) == 0
