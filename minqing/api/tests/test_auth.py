"""Per-person tokens: stored as digests, revocable, expiring; everything else is 401."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from minqing.api.auth import token_create, token_revoke
from minqing.api.models import ApiToken
from minqing.api.tests.helpers import ApiClient, error


def test_a_token_says_who_you_are_and_your_roles(world):
    me = ApiClient(world.users["grid_worker"]).get("/me")
    assert me.status_code == 200
    assert me.json() == {
        "username": "gw",
        "full_name": "gw",
        "is_superuser": False,
        "memberships": [
            {
                "role": "grid_worker",
                "role_label": "Grid worker",
                "place": {"code": "HYNL-G1", "name": "第一网格"},
                "department": None,
            }
        ],
    }


def test_without_a_token_everything_is_401(world):
    for path in ("/me", "/cases", "/places", "/categories", "/sessions", "/return-visits"):
        response = ApiClient(None).get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert error(response)["code"] == "unauthorized"
    assert ApiClient(None).post("/cases", {"title": "x"}).status_code == 401


def test_a_wrong_revoked_or_expired_token_is_401(world):
    user = world.users["grid_worker"]
    for header in ("Bearer mqapi_nonsense", "Token abc", "Bearer", "Basic Z3c6cHc="):
        assert Client(HTTP_AUTHORIZATION=header).get("/api/v1/me").status_code == 401
    token, raw = token_create(user=user)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 200
    token_revoke(token=token)
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401
    _, old = token_create(user=user, expires_at=timezone.now() - timedelta(minutes=1))
    assert Client(HTTP_AUTHORIZATION=f"Bearer {old}").get("/api/v1/me").status_code == 401


def test_an_inactive_person_cannot_use_their_token(world):
    user = world.users["grid_worker"]
    _, raw = token_create(user=user)
    user.is_active = False
    user.save()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401


def test_tokens_are_stored_as_digests(world):
    token, raw = token_create(user=world.users["leader"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert raw not in (stored.digest, stored.prefix)
    assert raw.startswith(stored.prefix)


def test_the_api_token_command_prints_a_working_token(world):
    out = StringIO()
    call_command("api_token", "leader", stdout=out)
    raw = out.getvalue().strip()
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me")
    assert response.json()["username"] == "leader"


def test_a_token_made_in_the_admin_is_shown_once_and_works_until_revoked(world, client):
    import re

    from django.contrib.messages import get_messages

    root = type(world.users["leader"]).objects.create_superuser(username="root", password="pw")
    client.force_login(root)
    response = client.post(
        "/admin/api/apitoken/add/", {"user": world.users["water_handler"].pk, "name": "手机"}
    )
    assert response.status_code == 302
    [raw] = [
        m.group(0)
        for message in get_messages(response.wsgi_request)
        if (m := re.search(r"mqapi_[\w-]{20,}", str(message)))
    ]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").json()["username"] == "wh"
    token = ApiToken.objects.get(name="手机")
    assert raw not in (token.digest, token.prefix)
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401
