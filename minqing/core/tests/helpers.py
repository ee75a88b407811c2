"""Helpers for page tests: log a user in with the interface in English."""

from __future__ import annotations

import html as htmllib
import re

from django.test import Client


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def login(client: Client, user) -> Client:
    client.force_login(user)
    return english(client)


def text(response) -> str:
    """The page's text without tags, whitespace collapsed (for assertions on sentences)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    plain = htmllib.unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", plain).strip()
