"""Fixtures for the Open311 tests: an integrator's key, attributes, an XML/JSON reader."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.core.cache import cache
from django.test import Client

from minqing.open311.keys import api_key_create
from minqing.open311.models import Datatype, Integrator, ServiceAttribute


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def integrator(db) -> Integrator:
    return Integrator.objects.create(name="街坊通 app", contact="dev@example.invalid")


@pytest.fixture
def api_key(integrator) -> str:
    _key, raw = api_key_create(integrator=integrator, name="test", rate_limit_per_minute=1000)
    return raw


@pytest.fixture
def pipe_questions(world) -> list[ServiceAttribute]:
    """The water-pipe service asks which floor (required) and what the water is like."""
    return [
        ServiceAttribute.objects.create(
            category=world.pipes,
            code="floor",
            description="您住几楼？",
            datatype=Datatype.NUMBER,
            required=True,
            order=1,
        ),
        ServiceAttribute.objects.create(
            category=world.pipes,
            code="water",
            description="现在的用水情况",
            datatype=Datatype.SINGLEVALUELIST,
            required=True,
            order=2,
            values=[{"key": "none", "name": "完全停水"}, {"key": "rusty", "name": "水发黄"}],
        ),
        ServiceAttribute.objects.create(
            category=world.pipes,
            code="rooms",
            description="哪些房间？",
            datatype=Datatype.MULTIVALUELIST,
            order=3,
            values=[{"key": "kitchen", "name": "厨房"}, {"key": "bath", "name": "卫生间"}],
        ),
        ServiceAttribute.objects.create(
            category=world.pipes,
            code="since",
            description="从什么时候开始？",
            datatype=Datatype.DATETIME,
            order=4,
        ),
    ]


class Open311Client:
    """Speaks Open311 to the app in both formats and reads answers with real parsers."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get(self, path: str, fmt: str = "json", **params: Any):
        return self.client.get(f"/open311/{path}.{fmt}", params)

    def post(self, fmt: str = "json", **data: Any):
        return self.client.post(f"/open311/requests.{fmt}", data)

    @staticmethod
    def xml(response) -> ET.Element:
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
        return ET.fromstring(response.content)

    @staticmethod
    def json(response) -> Any:
        assert response["Content-Type"] == "application/json; charset=utf-8"
        return json.loads(response.content.decode("utf-8"))

    def read(self, response, fmt: str) -> Any:
        return self.xml(response) if fmt == "xml" else self.json(response)

    def errors(self, response, fmt: str) -> list[tuple[int, str]]:
        """The spec's errors list as (code, description) pairs, whatever the format."""
        if fmt == "xml":
            root = self.xml(response)
            assert root.tag == "errors"
            return [
                (int(e.findtext("code") or 0), e.findtext("description") or "")
                for e in root.findall("error")
            ]
        return [(e["code"], e["description"]) for e in self.json(response)]

    def items(self, response, fmt: str) -> list[dict[str, str | None]]:
        """A service_requests answer as dicts of text (JSON values as their text)."""
        if fmt == "xml":
            root = self.xml(response)
            assert root.tag == "service_requests"
            return [{c.tag: c.text for c in item} for item in root.findall("request")]
        return [
            {k: None if v is None else str(v) for k, v in item.items()}
            for item in self.json(response)
        ]


@pytest.fixture
def open311(db) -> Open311Client:
    return Open311Client(Client(HTTP_ACCEPT_LANGUAGE="en"))
