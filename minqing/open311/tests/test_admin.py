"""API keys are made and revoked in the admin; the key is shown once and stored as a digest."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from minqing.open311.keys import digest
from minqing.open311.models import ApiKey


@pytest.fixture
def admin_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="pw")
    client.force_login(admin)
    return client


def add_key(admin_client, integrator, name: str) -> str:
    response = admin_client.post(
        "/admin/open311/apikey/add/",
        {"integrator": integrator.pk, "name": name, "rate_limit_per_minute": 30},
    )
    assert response.status_code == 302
    found = [
        match.group(0)
        for m in get_messages(response.wsgi_request)
        if (match := re.search(r"mq311_[\w-]{20,}", str(m)))
    ]
    assert len(found) == 1
    return found[0]


def test_adding_a_key_in_the_admin_shows_it_once(admin_client, integrator):
    raw = add_key(admin_client, integrator, "production")
    key = ApiKey.objects.get(name="production")
    assert key.digest == digest(raw)
    assert key.rate_limit_per_minute == 30
    change = f"/admin/open311/apikey/{key.pk}/change/"
    assert raw in admin_client.get(change).content.decode()  # the message, this once
    page = admin_client.get(change).content.decode()
    assert raw not in page
    assert key.prefix in page


def test_revoking_in_the_admin_stops_the_key(admin_client, integrator, open311, world):
    raw = add_key(admin_client, integrator, "old")
    data = {"api_key": raw, "service_code": "C01.01.01", "address_id": "HYNL-G1-B07"}
    assert open311.post(**data).status_code == 201
    key = ApiKey.objects.get(name="old")
    response = admin_client.post(
        "/admin/open311/apikey/", {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert open311.post(**data).status_code == 403
