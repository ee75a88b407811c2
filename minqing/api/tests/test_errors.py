"""Bad input anywhere gets the one error body with a precise message, never a 500."""

from __future__ import annotations

import pytest

from minqing.api.tests.helpers import ApiClient, error
from minqing.cases.models import Case

REPORT = '{"title": "楼门", "category": "C01.01.01", "place": "HYNL-G1-B07"}'


@pytest.mark.parametrize(
    "raw",
    ["{bad json", '{"title": ', "\xff\xfe", "[1, 2]", "42", '"title"', "null"],
)
def test_a_body_that_is_not_a_json_object_is_refused(api, world, raw):
    response = api("grid_worker").post("/cases", raw=raw.encode("latin-1"))
    assert response.status_code in (400, 422)
    assert error(response)["code"] in ("bad_request", "validation")
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/xml", "text/plain"]
)
def test_a_body_that_is_not_json_is_415(api, world, content_type):
    response = api("grid_worker").post("/cases", raw=REPORT, content_type=content_type)
    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"


def test_a_huge_body_is_413(api, world):
    huge = '{"title": "' + "x" * 300_000 + '"}'
    response = api("grid_worker").post("/cases", raw=huge)
    assert response.status_code == 413
    assert error(response)["code"] == "too_large"


def test_an_empty_body_where_one_is_needed_is_422(api, world):
    response = api("grid_worker").post("/cases")
    assert response.status_code == 422
    assert error(response)["message"] == "A JSON body is required."


def test_every_problem_in_a_body_is_listed(api, world):
    response = api("grid_worker").post("/cases", {"title": "", "urgency": "whenever"})
    body = error(response)
    assert {d["field"] for d in body["details"]} == {"title", "urgency", "category", "place"}
    assert body["message"] == "title: This field cannot be empty."


def test_an_unknown_endpoint_is_404_in_the_error_body(api, world):
    response = api("grid_worker").get("/nothing/here")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_a_wrong_method_is_405_in_the_error_body(api, world):
    response = api("grid_worker").client.delete("/api/v1/cases")
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_messages_are_chinese_by_default_and_english_on_request(cases, world):
    case = cases.report()
    chinese = ApiClient(world.users["other_grid_worker"], language="")
    response = chinese.get(f"/cases/{case.code}")
    assert response["Content-Language"] == "zh-hans"
    assert error(response)["message"] == f"没有您可查看的工单 {case.code}。"
    english = ApiClient(world.users["other_grid_worker"], language="en")
    response = english.get(f"/cases/{case.code}")
    assert response["Content-Language"] == "en"
    assert error(response)["message"] == f"No case {case.code} that you can see."


def test_nul_characters_are_refused_before_they_reach_the_database(api, world):
    client = api("leader")
    for response in (
        client.get("/cases/%00"),
        client.get("/cases", q="a\x00b"),
        client.post(
            "/cases",
            raw='{"title": "a\\u0000b", "category": "C01.01.01", "place": "HYNL-G1-B07"}',
        ),
    ):
        assert response.status_code == 400
        assert error(response)["code"] == "bad_request"
    assert Case.objects.count() == 0


def test_ids_too_large_for_the_database_are_422_not_500(api, world):
    client = api("leader")
    for response in (
        client.get("/sessions/99999999999999999999"),
        client.post("/return-visits/99999999999999999999/record", {}, if_match="*"),
    ):
        assert response.status_code == 422
