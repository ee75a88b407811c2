"""GeoReport v2: discovery, services and service definitions, in XML and JSON."""

from __future__ import annotations

import pytest

from minqing.places.models import Place, PlaceKind

FORMATS = ["xml", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_names_the_endpoint_and_both_formats(open311, fmt):
    response = open311.get("discovery", fmt)
    assert response.status_code == 200
    doc = open311.read(response, fmt)
    if fmt == "xml":
        assert doc.tag == "discovery"
        endpoint = doc.find("endpoints/endpoint")
        assert endpoint is not None
        assert endpoint.findtext("url") == "http://testserver/open311/"
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in endpoint.findall("formats/format")] == [
            "text/xml",
            "application/json",
        ]
        assert (doc.findtext("changeset") or "").endswith("+08:00")
    else:
        [endpoint] = doc["endpoints"]
        assert endpoint["url"] == "http://testserver/open311/"
        assert endpoint["formats"] == ["text/xml", "application/json"]
        assert endpoint["type"] == "production"


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_leaf_categories_with_their_group(open311, world, pipe_questions, fmt):
    doc = open311.read(open311.get("services", fmt), fmt)
    if fmt == "xml":
        assert doc.tag == "services"
        services = [{c.tag: c.text for c in s} for s in doc.findall("service")]
    else:
        services = [
            {k: str(v).lower() if isinstance(v, bool) else v for k, v in s.items()} for s in doc
        ]
    by_code = {s["service_code"]: s for s in services}
    # Not the two upper levels, nor the catch-all 待分类 (UNSORTED).
    assert set(by_code) == {"C01.01.01", "C01.01.02"}
    pipes = by_code["C01.01.02"]
    assert pipes["service_name"] == "供水管道"
    assert pipes["group"] == "城乡建设"
    assert pipes["description"] == "城乡建设 › 住房 › 供水管道"
    assert pipes["metadata"] == "true"  # it asks questions
    assert pipes["type"] == "realtime"
    assert by_code["C01.01.01"]["metadata"] == "false"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_definition_lists_its_attributes_and_values(open311, pipe_questions, fmt):
    response = open311.get("services/C01.01.02", fmt)
    assert response.status_code == 200
    doc = open311.read(response, fmt)
    if fmt == "xml":
        assert doc.tag == "service_definition"
        assert doc.findtext("service_code") == "C01.01.02"
        attributes = doc.findall("attributes/attribute")
        assert [a.findtext("code") for a in attributes] == ["floor", "water", "rooms", "since"]
        water = attributes[1]
        assert water.findtext("datatype") == "singlevaluelist"
        assert water.findtext("required") == "true"
        assert water.findtext("variable") == "true"
        assert water.findtext("order") == "2"
        assert [(v.findtext("key"), v.findtext("name")) for v in water.findall("values/value")] == [
            ("none", "完全停水"),
            ("rusty", "水发黄"),
        ]
    else:
        assert doc["service_code"] == "C01.01.02"
        floor, water, rooms, since = doc["attributes"]
        assert floor == {
            "variable": True,
            "code": "floor",
            "datatype": "number",
            "required": True,
            "datatype_description": "",
            "order": 1,
            "description": "您住几楼？",
            "values": [],
        }
        assert water["values"] == [
            {"key": "none", "name": "完全停水"},
            {"key": "rusty", "name": "水发黄"},
        ]
        assert rooms["datatype"] == "multivaluelist"
        assert since["datatype"] == "datetime"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_service_without_questions_has_an_empty_definition(open311, world, fmt):
    doc = open311.read(open311.get("services/C01.01.01", fmt), fmt)
    if fmt == "xml":
        assert doc.find("attributes") is not None
        assert doc.findall("attributes/attribute") == []
    else:
        assert doc == {"service_code": "C01.01.01", "attributes": []}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["C99", "C01", "C01.01"])
def test_an_unknown_or_non_leaf_service_is_404_in_the_spec_format(open311, world, fmt, code):
    response = open311.get(f"services/{code}", fmt)
    assert response.status_code == 404
    [(status, description)] = open311.errors(response, fmt)
    assert status == 404
    assert code in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_jurisdiction_is_404(open311, world, fmt):
    response = open311.get("services", fmt, jurisdiction_id="999999")
    assert response.status_code == 404
    assert "999999" in open311.errors(response, fmt)[0][1]


def test_a_known_jurisdiction_is_the_district_code(open311, world):
    assert open311.get("services", "json", jurisdiction_id="120101").status_code == 200


@pytest.mark.parametrize(
    ("path", "fmt"),
    [("services.csv", "xml"), ("nothing.json", "json"), ("requests/HP-1.yaml", "xml")],
)
def test_an_unknown_endpoint_or_format_is_404_in_the_spec_format(open311, path, fmt):
    response = open311.client.get(f"/open311/{path}")
    assert response.status_code == 404
    assert open311.errors(response, fmt)[0][0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_wrong_method_is_405_with_the_allowed_ones(open311, world, fmt):
    response = open311.client.post(f"/open311/services.{fmt}", {})
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert open311.errors(response, fmt)[0][0] == 405


def test_xml_and_json_are_utf8_with_chinese_as_it_is(open311, world):
    xml = open311.get("services", "xml").content
    assert "供水管道".encode() in xml
    as_json = open311.get("services", "json").content
    assert "供水管道".encode() in as_json


def test_the_base_url_answers_with_the_discovery_document(open311):
    response = open311.client.get("/open311/")
    assert response.status_code == 200
    assert open311.json(response)["endpoints"][0]["url"] == "http://testserver/open311/"


def test_services_are_the_same_for_every_jurisdiction(open311, world):
    other = Place.objects.create(code="120102", name="河东区", kind=PlaceKind.DISTRICT, short="HD")
    one = open311.json(open311.get("services", "json", jurisdiction_id="120101"))
    two = open311.json(open311.get("services", "json", jurisdiction_id=other.code))
    assert one == two
