"""GeoReport v2 GET requests and requests/{id}: filters, defaults, limits and fields."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from minqing.cases import services
from minqing.cases.transitions import RESIDENT
from minqing.lib import clock
from minqing.places.models import Place, PlaceKind

FORMATS = ["xml", "json"]


def ids(open311, response, fmt) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["service_request_id"] for item in open311.items(response, fmt)]


@pytest.fixture
def old_case(cases):
    with clock.at(timezone.now() - timedelta(days=100)):
        return cases.report(title="一百天前的事")


@pytest.mark.parametrize("fmt", FORMATS)
def test_by_default_it_lists_the_last_90_days_newest_first(open311, cases, old_case, fmt):
    first = cases.report()
    second = cases.report()
    assert ids(open311, open311.get("requests", fmt), fmt) == [second.code, first.code]


@pytest.mark.parametrize("fmt", FORMATS)
def test_start_and_end_date_choose_the_window(open311, cases, old_case, fmt):
    recent = cases.report()
    start = (timezone.now() - timedelta(days=120)).isoformat()
    end = (timezone.now() - timedelta(days=30)).isoformat()
    assert ids(open311, open311.get("requests", fmt, start_date=start, end_date=end), fmt) == [
        old_case.code
    ]
    only_start = open311.get("requests", fmt, start_date=start)
    assert ids(open311, only_start, fmt) == [recent.code, old_case.code]


def test_dates_may_be_bare_days_or_utc_and_an_unescaped_plus_is_understood(open311, cases):
    case = cases.report()
    today = timezone.localdate()
    for start in (
        (today - timedelta(days=1)).isoformat(),
        (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        # "+08:00" sent without escaping arrives as " 08:00"
        (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S 08:00"),
    ):
        assert ids(open311, open311.get("requests", "json", start_date=start), "json") == [
            case.code
        ]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "word"),
    [
        ({"start_date": "2026-13-01"}, "start_date"),
        ({"end_date": "yesterday"}, "end_date"),
        ({"start_date": "2026-08-01T09:30:00"}, "start_date"),  # no time zone
        ({"start_date": "2026-08-02", "end_date": "2026-08-01"}, "start_date"),
        ({"status": "pending"}, "status"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(open311, world, fmt, params, word):
    response = open311.get("requests", fmt, **params)
    assert response.status_code == 400
    [(code, description)] = open311.errors(response, fmt)
    assert code == 400
    assert word in description


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_maps_our_states_onto_open_and_closed(open311, cases, fmt):
    reported = cases.in_state("reported")
    dispatched = cases.in_state("dispatched")
    resolved = cases.in_state("resolved")
    closed = cases.in_state("closed")
    rejected = cases.in_state("rejected")
    open_ids = ids(open311, open311.get("requests", fmt, status="open"), fmt)
    closed_ids = ids(open311, open311.get("requests", fmt, status="closed"), fmt)
    assert set(open_ids) == {reported.code, dispatched.code}
    assert set(closed_ids) == {resolved.code, closed.code, rejected.code}
    both = ids(open311, open311.get("requests", fmt, status="open,closed"), fmt)
    assert len(both) == 5


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_code_filters_and_takes_a_comma_list(open311, world, cases, fmt):
    door = cases.report(category=world.door)
    pipe = cases.report(category=world.pipes)
    assert ids(open311, open311.get("requests", fmt, service_code="C01.01.02"), fmt) == [pipe.code]
    both = open311.get("requests", fmt, service_code="C01.01.01,C01.01.02")
    assert ids(open311, both, fmt) == [pipe.code, door.code]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_request_ids_override_every_other_filter(open311, cases, old_case, fmt):
    recent = cases.report()
    response = open311.get(
        "requests",
        fmt,
        service_request_id=f"{old_case.code}, {recent.code},HP-0000-0000",
        status="closed",
        service_code="C99",
    )
    assert set(ids(open311, response, fmt)) == {old_case.code, recent.code}


def test_at_most_1000_requests_are_returned(open311, world):
    for n in range(1001):
        services.case_report(
            actor=None,
            role=RESIDENT,
            title=f"第{n}件",
            category=world.door,
            place=world.building,
            channel="web",
        )
    assert len(open311.json(open311.get("requests", "json"))) == 1000


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_request_carries_status_notes_agency_deadline_and_place(open311, world, cases, fmt):
    case = cases.in_state("dispatched", department=world.housing)
    response = open311.get(f"requests/{case.code}", fmt)
    assert response.status_code == 200
    [item] = open311.items(response, fmt)
    assert item["service_request_id"] == case.code
    assert item["status"] == "open"
    assert item["service_code"] == "C01.01.01"
    assert item["service_name"] == "楼门损坏"
    assert item["agency_responsible"] == "老旧房屋改造办"
    assert "老旧房屋改造办" in (item["status_notes"] or "")
    assert item["address_id"] == "HYNL-G1-B07"
    assert item["address"] == "和平区 五大道街 华荫南里社区 第一网格 义顺里7号"
    assert case.deadline is not None
    expected = datetime.fromisoformat(item["expected_datetime"] or "")
    assert expected == case.deadline.replace(microsecond=0)
    assert (item["expected_datetime"] or "").endswith("+08:00")
    requested = datetime.fromisoformat(item["requested_datetime"] or "")
    updated = datetime.fromisoformat(item["updated_datetime"] or "")
    assert requested.tzinfo is not None and updated >= requested


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_time_is_in_the_servers_zone_with_its_offset(open311, world, cases, settings, fmt):
    settings.TIME_ZONE = "Asia/Shanghai"
    case = cases.in_state("dispatched", department=world.housing)
    for response in (open311.get(f"requests/{case.code}", fmt), open311.get("requests", fmt)):
        [item] = open311.items(response, fmt)
        times = {
            name: item[name]
            for name in ("requested_datetime", "updated_datetime", "expected_datetime")
        }
        assert {name: (t or "")[-6:] for name, t in times.items()} == dict.fromkeys(times, "+08:00")
        requested = datetime.fromisoformat(times["requested_datetime"] or "")
        assert requested == case.reported_at.replace(microsecond=0)


def test_an_undispatched_case_names_the_grid_that_owns_it(open311, cases):
    case = cases.report()
    [item] = open311.json(open311.get(f"requests/{case.code}", "json"))
    assert item["agency_responsible"] == "第一网格"
    assert item["expected_datetime"] is None
    assert item["status_notes"] == "Reported; waiting to be accepted."


def test_a_resolved_case_is_closed_with_the_reply_in_the_notes(open311, cases):
    case = cases.in_state("resolved")
    [item] = open311.json(open311.get(f"requests/{case.code}", "json"))
    assert item["status"] == "closed"
    assert "已更换新楼门。" in item["status_notes"]


def test_a_rejected_case_shows_the_reason(open311, cases):
    case = cases.in_state("rejected")
    [item] = open311.json(open311.get(f"requests/{case.code}", "json"))
    assert item["status"] == "closed"
    assert "重复反映" in item["status_notes"]


def test_coordinates_are_the_buildings(open311, world, cases):
    Place.objects.filter(pk=world.building.pk).update(lat=39.118, lng=117.204, address="义顺里7号")
    case = cases.report()
    [item] = open311.json(open311.get(f"requests/{case.code}", "json"))
    assert (item["lat"], item["long"]) == (39.118, 117.204)
    assert item["address"] == "义顺里7号"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_request_is_404(open311, world, fmt):
    response = open311.get("requests/HP-0000-0001", fmt)
    assert response.status_code == 404
    assert open311.errors(response, fmt) == [
        (404, "service_request_id HP-0000-0001 was not found.")
    ]


@pytest.fixture
def other_district_case(world):
    district = Place.objects.create(
        code="120102", name="河东区", kind=PlaceKind.DISTRICT, short="HD"
    )
    street = Place.objects.create(code="DZ", name="大直沽街", kind="subdistrict", parent=district)
    community = Place.objects.create(code="DZ1", name="一社区", kind="community", parent=street)
    grid = Place.objects.create(code="DZ1-G1", name="网格", kind="grid", parent=community)
    building = Place.objects.create(code="DZ1-G1-B01", name="一号楼", kind="building", parent=grid)
    return services.case_report(
        actor=None,
        role=RESIDENT,
        title="河东的事",
        category=world.door,
        place=building,
        channel="web",
    )


def test_jurisdiction_id_limits_requests_to_one_district(open311, cases, other_district_case):
    ours = cases.report()
    everything = ids(open311, open311.get("requests", "json"), "json")
    assert set(everything) == {ours.code, other_district_case.code}
    assert ids(open311, open311.get("requests", "json", jurisdiction_id="120101"), "json") == [
        ours.code
    ]
    assert other_district_case.code.startswith("HD-")
    response = open311.get(f"requests/{other_district_case.code}", "json", jurisdiction_id="120101")
    assert response.status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_token_leads_to_its_request(open311, api_key, world, fmt):
    posted = open311.json(
        open311.post(api_key=api_key, service_code="C01.01.01", address_id="HYNL-G1-B07")
    )[0]
    response = open311.get(f"tokens/{posted['token']}", fmt)
    assert response.status_code == 200
    assert open311.items(response, fmt) == [
        {"service_request_id": posted["service_request_id"], "token": posted["token"]}
    ]
    missing = open311.get("tokens/0123456789abcdef", fmt)
    assert missing.status_code == 404
    assert open311.errors(missing, fmt)[0][0] == 404


@pytest.mark.parametrize(
    "value",
    [
        "2026-08-01T00:00:00+21:08",
        "0001-01-01",
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
    ],
)
def test_dates_no_database_can_hold_are_400_not_500(open311, world, value):
    response = open311.get("requests", "json", start_date=value)
    assert response.status_code == 400


def test_an_end_date_at_the_dawn_of_time_is_400(open311, world):
    assert open311.get("requests", "json", end_date="0001-01-05T00:00:00Z").status_code == 400
