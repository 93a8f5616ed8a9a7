"""Administration › Platform › Event intake API keys: administrators issue keys (the
secret shown once, only its hash kept) and revoke them, by POST; nobody else may."""

import re

import pytest

from reporting.cubes.models import IntakeKey, hash_key

pytestmark = pytest.mark.django_db

URL = "/admin/cubes/intake-keys/"


def test_an_administrator_issues_a_key_seen_once(administrator_client, administrator):
    response = administrator_client.post(f"{URL}issue/", {"name": "Web shop"})
    assert response.status_code == 200
    html = response.content.decode()
    secret = re.search(r'id="new-secret">(mc_[^<]+)<', html).group(1)
    key = IntakeKey.objects.get()
    assert (key.name, key.created_by, key.key_hash) == ("Web shop", administrator, hash_key(secret))
    assert "shown only this once" in html
    again = administrator_client.get(URL).content.decode()
    assert secret not in again and key.prefix in again
    assert "/p/cubes/events/" in again


def test_a_key_needs_a_name_and_a_get_issues_nothing(administrator_client):
    response = administrator_client.post(f"{URL}issue/", {"name": "  "})
    assert response.status_code == 400
    assert "Give the key a name" in response.content.decode()
    assert administrator_client.get(f"{URL}issue/").status_code == 405
    assert not IntakeKey.objects.exists()


def test_revoking_is_said_once(administrator_client, administrator, cube_world):
    key, _secret = cube_world.key()
    response = administrator_client.post(f"{URL}{key.pk}/revoke/", follow=True)
    assert "revoked: it is refused from now on" in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_by == administrator and not key.is_active
    response = administrator_client.post(f"{URL}{key.pk}/revoke/", follow=True)
    assert "was already revoked" in response.content.decode()
    assert administrator_client.post(f"{URL}999/revoke/").status_code == 404


def test_only_administrators_see_and_manage_keys(client, make_operator, cube_world):
    key, _secret = cube_world.key()
    for group in ("Report readers", "Workflow supervisors", "Delivery operators", "Offer managers"):
        client.force_login(make_operator(group.replace(" ", "_"), groups=[group]))
        assert client.get(URL).status_code == 403
        assert client.post(f"{URL}issue/", {"name": "x"}).status_code == 403
        assert client.post(f"{URL}{key.pk}/revoke/").status_code == 403
    assert IntakeKey.objects.count() == 1 and IntakeKey.objects.get().is_active
