"""Helpers for the JSON API tests: a client per person, and the error body's shape."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from minqing.api.auth import token_create
from minqing.people.models import User


class ApiClient:
    """The API as an app would call it: a bearer token, JSON bodies, English messages."""

    def __init__(self, user: User | None, *, language: str = "en") -> None:
        headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
        if user is not None:
            _token, self.token = token_create(user=user, name="tests")
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.token}"
        self.client = Client(**headers)
        self.user = user

    def get(self, path: str, **params: Any):
        return self.client.get(f"/api/v1{path}", params)

    def post(
        self,
        path: str,
        body: Any = None,
        *,
        if_match: str | None = None,
        key: str | None = None,
        raw: str | bytes | None = None,
        content_type: str = "application/json",
    ):
        headers = {}
        if if_match is not None:
            headers["HTTP_IF_MATCH"] = if_match
        if key is not None:
            headers["HTTP_IDEMPOTENCY_KEY"] = key
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.post(f"/api/v1{path}", data, content_type=content_type, **headers)


def error(response) -> dict[str, Any]:
    """The one error body, checked for its shape."""
    body = response.json()
    assert set(body) == {"status", "code", "message", "field", "details"}
    assert body["status"] == response.status_code
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return body
