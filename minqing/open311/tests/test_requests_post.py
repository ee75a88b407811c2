"""GeoReport v2 POST requests: api_key, service, location, attributes and every bad input."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from minqing.cases.models import Case, CaseEvent
from minqing.notify.models import OutboxMessage
from minqing.open311.keys import api_key_create, api_key_revoke
from minqing.open311.models import ApiKey, Open311Request
from minqing.places.models import Place, PlaceKind

FORMATS = ["xml", "json"]


@pytest.fixture
def mapped(world):
    """Buildings 7 and 20 with addresses and coordinates."""
    Place.objects.filter(pk=world.building.pk).update(
        address="天津市和平区义顺里7号", lat=39.1190, lng=117.2044
    )
    Place.objects.filter(pk=world.other_building.pk).update(
        address="天津市和平区义顺里20号", lat=39.1250, lng=117.2100
    )
    return world


def counts() -> tuple[int, int, int, int]:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        OutboxMessage.objects.count(),
        Open311Request.objects.count(),
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_post_becomes_a_case_with_its_event_and_outbox_row(open311, api_key, mapped, fmt):
    response = open311.post(
        fmt,
        api_key=api_key,
        service_code="C01.01.01",
        address_id="HYNL-G1-B07",
        description="7号楼单元门关不上。晚上外人随意进出。",
        first_name="阿姨",
        last_name="王",
        phone="138 1234 5678",
        email="wang@example.com",
        device_id="device-1",
        account_id="acct-9",
        media_url="https://example.com/door.jpg",
    )
    assert response.status_code == 201, response.content
    [item] = open311.items(response, fmt)
    case = Case.objects.get(code=item["service_request_id"])
    assert item["token"]
    assert item["account_id"] == "acct-9"
    assert case.code in (item["service_notice"] or "")
    assert case.title == "7号楼单元门关不上"
    assert case.description == "7号楼单元门关不上。晚上外人随意进出。"
    assert case.channel == "api"
    assert case.place == mapped.building
    assert case.category == mapped.door
    assert case.reporter_name == "王阿姨"
    assert case.reporter_phone == "13812345678"
    assert case.created_by is None
    [event] = case.events.all()
    assert (event.action, event.actor_label, event.to_state) == ("report", "integrator", "reported")
    assert OutboxMessage.objects.filter(topic="case.report", payload__case=case.code).exists()
    posted = Open311Request.objects.get(case=case)
    assert posted.token == item["token"]
    assert posted.email == "wang@example.com"
    assert (posted.device_id, posted.media_url) == ("device-1", "https://example.com/door.jpg")
    assert posted.api_key is not None and posted.api_key.integrator.name == "街坊通 app"


def test_form_urlencoded_posts_work_too(open311, api_key, mapped):
    body = urlencode({"api_key": api_key, "service_code": "C01.01.01", "address_id": "HYNL-G1-B07"})
    response = open311.client.post(
        "/open311/requests.json", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 201


def test_a_western_name_keeps_its_order(open311, api_key, mapped):
    response = open311.post(
        api_key=api_key,
        service_code="C01.01.01",
        address_id="HYNL-G1-B07",
        first_name="Ann",
        last_name="Lee",
    )
    case = Case.objects.get(code=open311.json(response)[0]["service_request_id"])
    assert case.reporter_name == "Ann Lee"


def test_without_a_description_the_title_is_the_service(open311, api_key, mapped):
    response = open311.post(api_key=api_key, service_code="C01.01.02", address_id="HYNL-G1-B07")
    case = Case.objects.get(code=open311.json(response)[0]["service_request_id"])
    assert case.title == "供水管道"


def test_lat_long_finds_the_nearest_building(open311, api_key, mapped):
    response = open311.post(
        api_key=api_key, service_code="C01.01.01", lat="39.1249", long="117.2099"
    )
    assert response.status_code == 201
    case = Case.objects.get(code=open311.json(response)[0]["service_request_id"])
    assert case.place == mapped.other_building
    assert Open311Request.objects.get(case=case).lat == 39.1249


@pytest.mark.parametrize(
    "text",
    [
        "义顺里7号",
        "天津市和平区义顺里7号",
        "和平区义顺里七号楼门口",
        "义顺里７号 2单元",
        " 义顺里 7 号 ",
    ],
)
def test_an_address_string_is_matched_to_a_building(open311, api_key, mapped, text):
    response = open311.post(api_key=api_key, service_code="C01.01.01", address_string=text)
    assert response.status_code == 201, response.content
    case = Case.objects.get(code=open311.json(response)[0]["service_request_id"])
    assert case.place == mapped.building
    assert Open311Request.objects.get(case=case).address_string == text.strip()


def test_address_id_wins_over_the_other_locations(open311, api_key, mapped):
    response = open311.post(
        api_key=api_key,
        service_code="C01.01.01",
        address_id="HYNL-G2-B01",
        lat="39.1190",
        long="117.2044",
        address_string="义顺里7号",
    )
    case = Case.objects.get(code=open311.json(response)[0]["service_request_id"])
    assert case.place == mapped.other_building


def test_an_address_matching_two_buildings_is_refused(open311, api_key, mapped):
    Place.objects.create(
        code="HYNL-G2-B07", name="义顺里7号", kind=PlaceKind.BUILDING, parent=mapped.other_grid
    )
    before = counts()
    response = open311.post(api_key=api_key, service_code="C01.01.01", address_string="义顺里7号")
    assert response.status_code == 400
    assert "several buildings" in open311.errors(response, "json")[0][1]
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("data", "word"),
    [
        ({"address_id": "HYNL-G1-B07"}, "service_code"),
        ({"service_code": "C99", "address_id": "HYNL-G1-B07"}, "C99"),
        ({"service_code": "C01", "address_id": "HYNL-G1-B07"}, "C01"),
        ({"service_code": "C01.01.01"}, "location"),
        ({"service_code": "C01.01.01", "lat": "39.1"}, "together"),
        ({"service_code": "C01.01.01", "lat": "north", "long": "117"}, "lat"),
        ({"service_code": "C01.01.01", "lat": "91", "long": "117"}, "lat"),
        ({"service_code": "C01.01.01", "lat": "nan", "long": "117"}, "lat"),
        ({"service_code": "C01.01.01", "lat": "40.0", "long": "116.0"}, "No building"),
        ({"service_code": "C01.01.01", "address_id": "HYNL"}, "address_id"),
        ({"service_code": "C01.01.01", "address_id": "NOPE"}, "address_id"),
        ({"service_code": "C01.01.01", "address_string": "火星路1号"}, "matches none"),
        (
            {"service_code": "C01.01.01", "address_id": "HYNL-G1-B07", "description": "长" * 4001},
            "4000",
        ),
        (
            {"service_code": "C01.01.01", "address_id": "HYNL-G1-B07", "email": "not-an-email"},
            "email",
        ),
        ({"service_code": "C01.01.01", "address_id": "HYNL-G1-B07", "phone": "12345"}, "12345"),
        (
            {"service_code": "C01.01.01", "address_id": "HYNL-G1-B07", "media_url": "ftp://x/y"},
            "media_url",
        ),
        (
            {"service_code": "C01.01.01", "address_id": "HYNL-G1-B07", "first_name": "名" * 61},
            "first_name",
        ),
        (
            {"service_code": "C01.01.01", "address_id": "HYNL-G1-B07", "attribute[floor]": "3"},
            "floor",
        ),
        ({"service_code": "C01.01.01", "address_id": "HYNL-G1-B07", "attribute": "x"}, "attribute"),
        ({"service_code": "C01.01.01", "address_id": "HYNL-G1-B07", "jurisdiction_id": "9"}, "9"),
    ],
)
def test_bad_posts_are_refused_with_a_precise_error_and_write_nothing(
    open311, api_key, mapped, fmt, data, word
):
    before = counts()
    response = open311.post(fmt, api_key=api_key, **data)
    assert response.status_code in (400, 404), response.content
    [(code, description)] = open311.errors(response, fmt)
    assert code == response.status_code
    assert word in description
    assert counts() == before


def test_a_description_of_exactly_4000_characters_is_accepted(open311, api_key, mapped):
    response = open311.post(
        api_key=api_key, service_code="C01.01.01", address_id="HYNL-G1-B07", description="长" * 4000
    )
    assert response.status_code == 201


def test_a_location_outside_the_jurisdiction_is_refused(open311, api_key, mapped):
    district = Place.objects.create(code="120102", name="河东区", kind=PlaceKind.DISTRICT)
    response = open311.post(
        api_key=api_key,
        service_code="C01.01.01",
        address_id="HYNL-G1-B07",
        jurisdiction_id=district.code,
    )
    assert response.status_code == 400
    assert "HYNL-G1-B07" in open311.errors(response, "json")[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_answers_to_the_service_questions_are_checked_and_kept(
    open311, api_key, mapped, pipe_questions, fmt
):
    response = open311.client.post(
        f"/open311/requests.{fmt}",
        {
            "api_key": api_key,
            "service_code": "C01.01.02",
            "address_id": "HYNL-G1-B07",
            "description": "水是黄的",
            "attribute[floor]": "5",
            "attribute[water]": "rusty",
            "attribute[rooms][]": ["kitchen", "bath"],
            "attribute[since]": "2026-08-01T07:00:00+08:00",
        },
    )
    assert response.status_code == 201, response.content
    code = open311.items(response, fmt)[0]["service_request_id"]
    case = Case.objects.get(code=code)
    posted = Open311Request.objects.get(case=case)
    assert posted.attributes == {
        "floor": 5,
        "water": "rusty",
        "rooms": ["kitchen", "bath"],
        "since": "2026-08-01T07:00:00+08:00",
    }
    assert case.description == (
        "水是黄的\n\n您住几楼？：5\n现在的用水情况：水发黄\n哪些房间？：厨房、卫生间\n"
        "从什么时候开始？：2026-08-01T07:00:00+08:00"
    )
    [item] = open311.json(open311.get(f"requests/{code}", "json"))
    assert item["description"] == "水是黄的"  # the public text is what the resident wrote


@pytest.mark.parametrize(
    ("attributes", "word"),
    [
        ({"attribute[water]": "rusty"}, "attribute[floor]"),
        ({"attribute[floor]": "five", "attribute[water]": "rusty"}, "floor"),
        ({"attribute[floor]": "5", "attribute[water]": "muddy"}, "muddy"),
        ({"attribute[floor]": "5", "attribute[water]": ["none", "rusty"]}, "one value"),
        (
            {"attribute[floor]": "5", "attribute[water]": "none", "attribute[rooms][]": "attic"},
            "attic",
        ),
        (
            {"attribute[floor]": "5", "attribute[water]": "none", "attribute[since]": "soon"},
            "since",
        ),
        (
            {"attribute[floor]": "5", "attribute[water]": "none", "attribute[colour]": "red"},
            "colour",
        ),
    ],
)
def test_wrong_answers_are_refused(open311, api_key, mapped, pipe_questions, attributes, word):
    before = counts()
    response = open311.client.post(
        "/open311/requests.json",
        {
            "api_key": api_key,
            "service_code": "C01.01.02",
            "address_id": "HYNL-G1-B07",
            **attributes,
        },
    )
    assert response.status_code == 400
    assert word in open311.errors(response, "json")[0][1]
    assert counts() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_missing_or_wrong_api_key_is_403(open311, mapped, fmt):
    before = counts()
    for key in (None, "", "mq311_not-a-key"):
        data = {"service_code": "C01.01.01", "address_id": "HYNL-G1-B07"}
        if key is not None:
            data["api_key"] = key
        response = open311.post(fmt, **data)
        assert response.status_code == 403
        assert open311.errors(response, fmt)[0][0] == 403
    assert counts() == before


def test_a_revoked_key_or_an_inactive_integrator_is_refused(open311, integrator, mapped):
    key, raw = api_key_create(integrator=integrator)
    data = {"api_key": raw, "service_code": "C01.01.01", "address_id": "HYNL-G1-B07"}
    assert open311.post(**data).status_code == 201
    api_key_revoke(key=key)
    assert open311.post(**data).status_code == 403
    _, other = api_key_create(integrator=integrator)
    integrator.active = False
    integrator.save()
    assert open311.post(**{**data, "api_key": other}).status_code == 403


def test_keys_are_stored_as_digests_only(integrator):
    key, raw = api_key_create(integrator=integrator)
    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in (stored.digest, stored.prefix)
    assert raw.startswith(stored.prefix)
    assert len(stored.digest) == 64


def test_keys_are_rate_limited_per_minute(open311, integrator, mapped):
    _, raw = api_key_create(integrator=integrator, rate_limit_per_minute=2)
    data = {"api_key": raw, "service_code": "C01.01.01", "address_id": "HYNL-G1-B07"}
    assert [open311.post(**data).status_code for _ in range(3)] == [201, 201, 429]
    refused = open311.post("xml", **data)
    assert open311.errors(refused, "xml")[0][0] == 429
    _, another = api_key_create(integrator=integrator, rate_limit_per_minute=2)
    assert open311.post(**{**data, "api_key": another}).status_code == 201


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"service_code": "C01.01.01"}', "application/json"),
        ("<request><service_code>C01.01.01</service_code></request>", "text/xml"),
        ("service_code=C01.01.01", "text/plain"),
    ],
)
def test_a_body_that_is_not_a_form_is_400(open311, api_key, mapped, body, content_type):
    response = open311.client.post("/open311/requests.xml", body, content_type=content_type)
    assert response.status_code == 400
    assert "form-encoded" in open311.errors(response, "xml")[0][1]


def test_a_huge_body_is_413_and_writes_nothing(open311, api_key, mapped):
    before = counts()
    body = urlencode(
        {
            "api_key": api_key,
            "service_code": "C01.01.01",
            "address_id": "HYNL-G1-B07",
            "description": "x" * 300_000,
        }
    )
    response = open311.client.post(
        "/open311/requests.json", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert open311.errors(response, "json")[0][0] == 413
    assert counts() == before


def test_too_many_parameters_is_400(open311, api_key, mapped):
    fields = {f"attribute[a{n}]": "x" for n in range(1100)}
    body = urlencode({"api_key": api_key, "service_code": "C01.01.01", **fields})
    response = open311.client.post(
        "/open311/requests.json", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("fmt", FORMATS)
def test_nul_characters_are_refused_everywhere(open311, api_key, mapped, fmt):
    before = counts()
    posted = open311.post(
        fmt,
        api_key=api_key,
        service_code="C01.01.01",
        address_id="HYNL-G1-B07",
        description="a\x00",
    )
    for response in (
        posted,
        open311.client.get(f"/open311/requests/%00.{fmt}"),
        open311.get("requests", fmt, service_code="C01\x00"),
    ):
        assert response.status_code == 400
        assert open311.errors(response, fmt)[0][0] == 400
    assert counts() == before
