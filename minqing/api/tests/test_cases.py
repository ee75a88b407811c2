"""Cases: the list with filters and pages, one case with its ETag, reporting a case."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from minqing.api.tests.helpers import error
from minqing.cases.models import Case, CaseEvent
from minqing.lib import clock
from minqing.notify.models import OutboxMessage


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["code"] for c in response.json()["items"]]


def test_the_list_shows_only_cases_in_your_scope_newest_first(api, cases, world):
    first = cases.report()
    second = cases.report()
    elsewhere = cases.report(place=world.other_building, actor=world.users["other_grid_worker"])
    assert codes(api("grid_worker").get("/cases")) == [second.code, first.code]
    assert codes(api("other_grid_worker").get("/cases")) == [elsewhere.code]
    assert set(codes(api("community_staff").get("/cases"))) == {
        first.code,
        second.code,
        elsewhere.code,
    }
    assert codes(api("nobody").get("/cases")) == []


def test_the_list_filters_by_state_category_place_overdue_dates_and_text(api, cases, world):
    reported = cases.report(title="楼门吱吱响", category=world.door)
    dispatched = cases.in_state("dispatched", category=world.pipes)
    with clock.at(timezone.now() - timedelta(days=10)):
        old = cases.report(title="十天前")
    client = api("leader")
    assert codes(client.get("/cases", state="dispatched")) == [dispatched.code]
    assert set(codes(client.get("/cases", state=["reported", "dispatched"]))) == {
        reported.code,
        dispatched.code,
        old.code,
    }
    assert codes(client.get("/cases", category="C01.01.02")) == [dispatched.code]
    assert len(codes(client.get("/cases", category="C01"))) == 3  # a parent takes its leaves
    assert codes(client.get("/cases", place="HYNL-G2")) == []
    assert len(codes(client.get("/cases", place="HYNL-G1-B07"))) == 3
    assert codes(client.get("/cases", overdue="true")) == []
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert old.code not in codes(client.get("/cases", since=since))
    assert codes(client.get("/cases", until=since)) == [old.code]
    assert codes(client.get("/cases", q="吱吱")) == [reported.code]
    assert codes(client.get("/cases", q=old.code)) == [old.code]


def test_the_list_pages(api, cases):
    made = [cases.report().code for _ in range(5)]
    page = api("leader").get("/cases", limit=2, offset=2).json()
    assert page["count"] == 5
    assert (page["limit"], page["offset"]) == (2, 2)
    assert [c["code"] for c in page["items"]] == list(reversed(made))[2:4]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state.0"),
        ({"category": "C99"}, "category"),
        ({"place": "NOWHERE"}, "place"),
        ({"since": "yesterday"}, "since"),
        ({"since": "2026-08-01T09:00:00"}, "since"),  # no time zone
        ({"limit": "1000"}, "limit"),
        ({"overdue": "maybe"}, "overdue"),
    ],
)
def test_bad_list_filters_are_422_naming_the_field(api, world, params, field):
    response = api("leader").get("/cases", **params)
    assert response.status_code == 422
    assert error(response)["field"] == field


def test_a_case_has_its_history_its_actions_and_an_etag(api, cases):
    case = cases.in_state("accepted")
    response = api("grid_worker").get(f"/cases/{case.code}")
    assert response.status_code == 200
    body = response.json()
    assert response["ETag"] == f'"{case.code}.v2"' == body["etag"]
    assert body["version"] == 2
    assert [e["action"] for e in body["events"]] == ["report", "accept"]
    assert "dispatch" in body["actions"] and "accept" not in body["actions"]
    assert body["reporter_phone_masked"] == "138****5678"
    assert "13812345678" not in response.content.decode()


def test_times_are_in_the_servers_zone_with_its_offset(api, cases, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    case = cases.in_state("closed")
    body = api("grid_worker").get(f"/cases/{case.code}").json()
    times = {
        name: body[name]
        for name in ("deadline", "reported_at", "responded_at", "resolved_at", "closed_at")
    }
    times |= {f"events[{i}].at": e["at"] for i, e in enumerate(body["events"])}
    assert None not in times.values()
    assert {name: t[-6:] for name, t in times.items()} == {name: "+08:00" for name in times}
    assert datetime.fromisoformat(times["reported_at"]) == case.reported_at.replace(
        microsecond=case.reported_at.microsecond // 1000 * 1000
    )
    [listed] = api("grid_worker").get("/cases").json()["items"]
    assert listed["closed_at"].endswith("+08:00")


def test_a_case_outside_your_scope_is_404(api, cases):
    case = cases.report()
    response = api("other_grid_worker").get(f"/cases/{case.code}")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


def test_reporting_a_case_answers_201_with_location_and_etag(api, world):
    response = api("grid_worker").post(
        "/cases",
        {
            "title": "楼道灯不亮",
            "description": "三楼声控灯坏了半个月。",
            "category": "C01.01.01",
            "place": "HYNL-G1-B07",
            "channel": "household_visit",
            "urgency": "urgent",
            "reporter_name": "赵大爷",
            "reporter_phone": "13912345678",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(code=body["code"])
    assert response["Location"] == f"/api/v1/cases/{case.code}"
    assert response["ETag"] == f'"{case.code}.v1"'
    assert (case.channel, case.urgency, case.created_by) == (
        "household_visit",
        "urgent",
        world.users["grid_worker"],
    )
    assert case.reporter_phone == "13912345678"
    assert body["state"] == "reported"


def test_solved_on_the_spot_needs_what_was_done(api, world):
    client = api("grid_worker")
    base = {"title": "扶手松了", "category": "C01.01.01", "place": "HYNL-G1-B07"}
    refused = client.post("/cases", {**base, "solved_on_spot": True})
    assert refused.status_code == 422
    assert error(refused)["field"] == "reply"
    done = client.post("/cases", {**base, "solved_on_spot": True, "reply": "当场拧紧了。"})
    assert done.json()["state"] == "resolved"


def test_a_case_can_be_raised_at_a_session(api, world):
    client = api("community_staff")
    session = client.post(
        "/sessions",
        {"title": "华荫南里夜话", "community": "HYNL", "starts_at": "2026-08-01T19:00:00+08:00"},
    ).json()
    response = api("grid_worker").post(
        "/cases",
        {
            "title": "楼门",
            "category": "C01.01.01",
            "place": "HYNL-G1-B07",
            "channel": "evening_talk",
            "session": session["id"],
        },
    )
    assert response.json()["session"] == session["id"]
    unknown = api("grid_worker").post(
        "/cases", {"title": "楼门", "category": "C01.01.01", "place": "HYNL-G1-B07", "session": 999}
    )
    assert unknown.status_code == 422
    assert error(unknown)["field"] == "session"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"category": "C01.01.01", "place": "HYNL-G1-B07"}, "title"),
        ({"title": "", "category": "C01.01.01", "place": "HYNL-G1-B07"}, "title"),
        ({"title": "x" * 201, "category": "C01.01.01", "place": "HYNL-G1-B07"}, "title"),
        (
            {
                "title": "x",
                "description": "y" * 4001,
                "category": "C01.01.01",
                "place": "HYNL-G1-B07",
            },
            "description",
        ),
        ({"title": "x", "category": "C99", "place": "HYNL-G1-B07"}, "category"),
        ({"title": "x", "category": "C01.01.01", "place": "NOWHERE"}, "place"),
        ({"title": "x", "category": "C01.01.01", "place": "HYNL"}, "place"),
        (
            {"title": "x", "category": "C01.01.01", "place": "HYNL-G1-B07", "channel": "pigeon"},
            "channel",
        ),
        (
            {
                "title": "x",
                "category": "C01.01.01",
                "place": "HYNL-G1-B07",
                "reporter_phone": "12345",
            },
            "phone",
        ),
        (
            {"title": "x", "category": "C01.01.01", "place": "HYNL-G1-B07", "colour": "red"},
            "colour",
        ),
        ({"title": "  ", "category": "C01.01.01", "place": "HYNL-G1-B07"}, "title"),
    ],
)
def test_bad_reports_are_422_naming_the_field_and_write_nothing(api, world, body, field):
    before = (Case.objects.count(), CaseEvent.objects.count(), OutboxMessage.objects.count())
    response = api("grid_worker").post("/cases", body)
    assert response.status_code == 422, response.content
    assert error(response)["field"] == field
    assert (
        Case.objects.count(),
        CaseEvent.objects.count(),
        OutboxMessage.objects.count(),
    ) == before


def test_someone_without_a_role_there_may_not_report(api, world):
    response = api("nobody").post(
        "/cases", {"title": "x", "category": "C01.01.01", "place": "HYNL-G1-B07"}
    )
    assert response.status_code == 403
    assert error(response)["code"] == "not_allowed"
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "value", ["0426-03-28T14:15:18-21:08", "0001-01-01T00:00:00+14:00", "1234", "0.5"]
)
def test_dates_no_database_can_hold_are_422_not_500(api, world, value):
    response = api("leader").get("/cases", since=value)
    assert response.status_code == 422
    assert error(response)["field"] == "since"
