"""GeoReport v2 documents in XML and JSON (UTF-8), including the ``errors`` list."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# The element name of each item inside a list, by the list's own name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _build(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _build(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _build(element, ITEM_TAGS.get(tag, "item"), item)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any) -> bytes:
    """``root`` names the document element; a list becomes its items (see ITEM_TAGS)."""
    holder = ET.Element("holder")
    _build(holder, root, value)
    return ET.tostring(holder[0], encoding="utf-8", xml_declaration=True)


def document(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    if fmt == "json":
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    else:
        body = to_xml(root, value)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, messages: list[str]) -> HttpResponse:
    items = [{"code": status, "description": message} for message in messages]
    return document(fmt, "errors", items, status=status)
