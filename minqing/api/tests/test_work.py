"""Outreach sessions, batches and return visits through the API."""

from __future__ import annotations

from minqing.api.tests.helpers import error
from minqing.cases.models import Batch
from minqing.outreach.models import OutreachSession

TALK = {
    "kind": "evening_talk",
    "title": "和平夜话·华荫南里",
    "community": "HYNL",
    "starts_at": "2026-08-01T19:00:00+08:00",
    "location": "社区党群服务中心",
    "hosts": ["cs", "gw"],
}


def test_a_session_is_planned_held_and_closed(api, world):
    client = api("community_staff")
    planned = client.post("/sessions", TALK)
    assert planned.status_code == 201, planned.content
    session = planned.json()
    assert session["status"] == "planned"
    assert session["community"] == {"code": "HYNL", "name": "华荫南里社区"}
    assert set(OutreachSession.objects.get().hosts.values_list("username", flat=True)) == {
        "cs",
        "gw",
    }
    held = client.post(
        f"/sessions/{session['id']}/record", {"attendance": 23, "notes": "居民反映楼门问题"}
    )
    assert (held.json()["status"], held.json()["attendance"]) == ("held", 23)
    closed = client.post(f"/sessions/{session['id']}/close", {"revisit_on": "2026-08-08"})
    assert (closed.json()["status"], closed.json()["revisit_on"]) == ("closed", "2026-08-08")
    again = client.post(f"/sessions/{session['id']}/close", {})
    assert again.status_code == 409
    assert error(again)["code"] == "session_closed"


def test_sessions_are_listed_with_their_counts(api, world, cases):
    session = api("community_staff").post("/sessions", TALK).json()
    cases.report(session=OutreachSession.objects.get(pk=session["id"]))
    [listed] = api("grid_worker").get("/sessions").json()
    assert listed["raised"] == 1
    assert api("grid_worker").get(f"/sessions/{session['id']}").json()["raised"] == 1
    assert api("nobody").get(f"/sessions/{session['id']}").status_code == 404


def test_only_the_communitys_people_may_run_its_sessions(api, world):
    refused = api("volunteer").post("/sessions", TALK)
    assert refused.status_code == 403
    assert error(refused)["code"] == "not_allowed"
    assert api("handler").post("/sessions", TALK).status_code == 403
    assert api("grid_worker").post("/sessions", TALK).status_code == 201
    assert api("leader").post("/sessions", TALK).status_code == 201


def test_bad_sessions_are_422_naming_the_field(api, world):
    client = api("community_staff")
    for body, field in (
        ({**TALK, "community": "HYNL-G1"}, "community"),
        ({**TALK, "community": "NOPE"}, "community"),
        ({**TALK, "hosts": ["ghost"]}, "hosts"),
        ({**TALK, "liaison_units": ["L-NONE"]}, "liaison_units"),
        ({**TALK, "starts_at": "2026-08-01T19:00:00"}, "starts_at"),
        ({**TALK, "kind": "party"}, "kind"),
    ):
        response = client.post("/sessions", body)
        assert response.status_code == 422, body
        assert error(response)["field"] == field
    session = client.post("/sessions", TALK).json()
    negative = client.post(f"/sessions/{session['id']}/record", {"attendance": -1})
    assert error(negative)["field"] == "attendance"
    early = client.post(f"/sessions/{session['id']}/close", {"revisit_on": "2026-07-01"})
    assert error(early)["field"] == "revisit_on"


def test_a_batch_merges_cases_and_resolves_them_together(api, cases, world):
    one, two = cases.in_state("dispatched"), cases.in_state("dispatched")
    leader = api("leader")
    created = leader.post("/batches", {"title": "整片更换楼门", "cases": [one.code, two.code]})
    assert created.status_code == 201, created.content
    batch = created.json()
    assert batch["cases"] == sorted([one.code, two.code])
    assert api("grid_worker").get(f"/batches/{batch['code']}").status_code == 200
    assert api("other_grid_worker").get(f"/batches/{batch['code']}").status_code == 404
    resolved = leader.post(f"/batches/{batch['code']}/resolve", {"reply": "全部更换完毕"})
    assert resolved.json()["resolved_at"] is not None
    one.refresh_from_db()
    assert one.state == "resolved"
    twice = leader.post(f"/batches/{batch['code']}/resolve", {"reply": "再来一次"})
    assert twice.status_code == 409


def test_a_batch_of_unknown_or_unseen_cases_is_refused(api, cases, world):
    other = cases.report(place=world.other_building, actor=world.users["other_grid_worker"])
    response = api("grid_worker").post("/batches", {"title": "x", "cases": [other.code]})
    assert response.status_code == 422
    assert error(response)["field"] == "cases"
    empty = api("grid_worker").post("/batches", {"title": "x", "cases": []})
    assert error(empty)["field"] == "cases"
    assert not Batch.objects.exists()


def test_return_visits_due_are_listed_for_the_team(api, cases):
    case = cases.in_state("resolved")
    [visit] = api("grid_worker").get("/return-visits").json()
    assert visit["case"] == case.code
    assert visit["status"] == "scheduled"
    assert api("other_grid_worker").get("/return-visits").json() == []
