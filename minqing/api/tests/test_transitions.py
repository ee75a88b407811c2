"""Every transition through the API, each guarded by If-Match (428 without, 412 when stale)."""

from __future__ import annotations

import pytest

from minqing.api.tests.helpers import error
from minqing.cases.models import Case


def etag_of(case: Case) -> str:
    case.refresh_from_db()
    return f'"{case.code}.v{case.version}"'


def step(client, case: Case, action: str, body=None, *, status: int = 200):
    response = client.post(f"/cases/{case.code}/{action}", body, if_match=etag_of(case))
    assert response.status_code == status, response.content
    return response


def test_a_case_goes_round_the_whole_loop_through_the_api(api, world):
    worker, handler = api("grid_worker"), api("handler")
    created = worker.post(
        "/cases", {"title": "楼门关不上", "category": "C01.01.01", "place": "HYNL-G1-B07"}
    )
    case = Case.objects.get(code=created.json()["code"])
    accepted = step(worker, case, "accept", {"note": "今晚上门看"})
    assert accepted.json()["state"] == "accepted"
    assert accepted["ETag"] == f'"{case.code}.v2"'
    dispatched = step(worker, case, "dispatch", {"department": "D-HOUSING"})
    assert dispatched.json()["assignee_department"]["code"] == "D-HOUSING"
    assert dispatched.json()["deadline"] is not None
    step(handler, case, "start")
    resolved = step(handler, case, "resolve", {"reply": "已更换新楼门。"})
    assert resolved.json()["state"] == "resolved"
    [visit] = worker.get("/return-visits").json()
    assert visit["case"] == case.code
    recorded = worker.post(
        f"/return-visits/{visit['id']}/record",
        {"method": "phone", "solved": "yes", "satisfied": "satisfied", "comment": "很满意"},
        if_match=visit["case_etag"],
    )
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["status"] == "done"
    case.refresh_from_db()
    assert case.state == "closed"
    history = worker.get(f"/cases/{case.code}").json()["events"]
    assert [e["action"] for e in history] == [
        "report",
        "accept",
        "dispatch",
        "start",
        "resolve",
        "return_visit",
    ]


def test_dispatch_to_a_person_and_send_back(api, cases, world):
    case = cases.in_state("accepted")
    worker = api("grid_worker")
    step(worker, case, "dispatch", {"assignee": "vol", "deadline": "2099-01-01T08:00:00+08:00"})
    case.refresh_from_db()
    assert case.assignee_user == world.users["volunteer"]
    sent_back = step(api("volunteer"), case, "send-back", {"reason": "不归我管"})
    assert sent_back.json()["state"] == "accepted"


def test_escalate_reject_close_reopen_and_notes(api, cases):
    worker, leader = api("grid_worker"), api("leader")
    escalated = step(worker, cases.report(), "escalate", {"reason": "网格解决不了"})
    assert escalated.json()["level"] == "community"
    rejected = step(worker, cases.report(), "reject", {"reason": "重复反映"})
    assert rejected.json()["reject_reason"] == "重复反映"
    resolved = cases.in_state("resolved")
    closed = step(worker, resolved, "close", {"reason": "电话确认"})
    assert closed.json()["state"] == "closed"
    reopened = step(leader, resolved, "reopen", {"reason": "居民说又坏了"})
    assert reopened.json()["state"] == "dispatched"
    noted = step(worker, resolved, "notes", {"note": "已约周六上门"})
    assert noted.json()["events"][-1]["note"] == "已约周六上门"


def test_revealing_the_phone_is_recorded(api, cases):
    case = cases.report()
    response = api("grid_worker").post(f"/cases/{case.code}/reveal-phone")
    assert response.status_code == 200
    assert response.json() == {"phone": "13812345678", "etag": f'"{case.code}.v1"'}
    assert case.events.last().action == "reveal_phone"


@pytest.mark.parametrize(
    ("action", "body"),
    [
        ("accept", None),
        ("dispatch", {"department": "D-HOUSING"}),
        ("reject", {"reason": "重复"}),
        ("escalate", {"reason": "上交"}),
        ("notes", {"note": "记一笔"}),
    ],
)
def test_a_transition_without_if_match_is_428_and_changes_nothing(api, cases, action, body):
    case = cases.report()
    response = api("grid_worker").post(f"/cases/{case.code}/{action}", body or {})
    assert response.status_code == 428
    assert error(response)["code"] == "if_match_required"
    assert error(response)["field"] == "If-Match"
    case.refresh_from_db()
    assert (case.state, case.version) == ("reported", 1)


def test_a_stale_etag_is_412_and_changes_nothing(api, cases):
    case = cases.report()
    stale = etag_of(case)
    step(api("grid_worker"), case, "accept")
    response = api("grid_worker").post(
        f"/cases/{case.code}/reject", {"reason": "重复"}, if_match=stale
    )
    assert response.status_code == 412
    assert error(response)["code"] == "stale_version"
    case.refresh_from_db()
    assert case.state == "accepted"


@pytest.mark.parametrize(
    "if_match", ['"HP-0000-0000.v1"', 'W/"{code}.v1"', "{code}.v1", '"{code}"', "garbage"]
)
def test_an_etag_of_something_else_is_412(api, cases, if_match):
    case = cases.report()
    response = api("grid_worker").post(
        f"/cases/{case.code}/accept", {}, if_match=if_match.format(code=case.code)
    )
    assert response.status_code == 412
    assert error(response)["code"] == "precondition_failed"


def test_if_match_star_takes_any_version_on_purpose(api, cases):
    case = cases.report()
    response = api("grid_worker").post(f"/cases/{case.code}/accept", {}, if_match="*")
    assert response.status_code == 200


def test_a_move_the_state_does_not_allow_is_409(api, cases):
    case = cases.report()
    response = step(api("handler"), case, "start", status=404)  # not the handler's yet
    assert error(response)["code"] == "not_found"
    response = step(api("grid_worker"), case, "resolve", {"reply": "好了"}, status=409)
    assert error(response)["code"] == "invalid_transition"


def test_someone_in_scope_without_the_right_role_gets_403(api, cases):
    case = cases.report()
    response = step(api("volunteer"), case, "accept", status=403)
    assert error(response)["code"] == "not_allowed"


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("resolve", {}, "reply"),
        ("reject", {"reason": ""}, "reason"),
        ("notes", {"note": ""}, "note"),
        ("dispatch", {}, "assignee"),
        ("dispatch", {"department": "D-HOUSING", "assignee": "vol"}, "assignee"),
        ("dispatch", {"department": "D-NONE"}, "department"),
        ("dispatch", {"assignee": "ghost"}, "assignee"),
        (
            "dispatch",
            {"department": "D-HOUSING", "deadline": "2020-01-01T00:00:00+08:00"},
            "deadline",
        ),
        ("dispatch", {"department": "D-HOUSING", "deadline": "2099-01-01T00:00:00"}, "deadline"),
        ("escalate", {"reason": "x" * 4001}, "reason"),
    ],
)
def test_bad_transition_bodies_are_422_naming_the_field(api, cases, action, body, field):
    case = cases.in_state("accepted")
    response = api("grid_worker").post(f"/cases/{case.code}/{action}", body, if_match=etag_of(case))
    assert response.status_code == 422, response.content
    assert error(response)["field"] == field
    case.refresh_from_db()
    assert case.version == 2


def test_recording_a_return_visit_needs_the_cases_etag(api, cases):
    case = cases.in_state("resolved")
    worker = api("grid_worker")
    [visit] = worker.get("/return-visits").json()
    body = {"method": "phone", "solved": "no", "satisfied": "unsatisfied"}
    missing = worker.post(f"/return-visits/{visit['id']}/record", body)
    assert missing.status_code == 428
    reopened = worker.post(
        f"/return-visits/{visit['id']}/record", body, if_match=visit["case_etag"]
    )
    assert reopened.status_code == 200
    case.refresh_from_db()
    assert case.state == "dispatched"  # not solved: back to the department
    again = worker.post(f"/return-visits/{visit['id']}/record", body, if_match=etag_of(case))
    assert again.status_code == 409
    assert worker.post("/return-visits/999999/record", body, if_match="*").status_code == 404


def test_a_dispatcher_recalls_a_case_nobody_has_started(api, cases):
    case = cases.in_state("dispatched")
    assert "recall" in api("grid_worker").get(f"/cases/{case.code}").json()["actions"]
    refused = api("handler").post(
        f"/cases/{case.code}/recall", {"reason": "派错"}, if_match=etag_of(case)
    )
    assert refused.status_code == 403, refused.content
    recalled = step(api("grid_worker"), case, "recall", {"reason": "派错部门"})
    body = recalled.json()
    assert (body["state"], body["assignee_department"]) == ("accepted", None)
    assert body["events"][-1]["action"] == "recall"
    started = cases.in_state("in_progress")
    late = step(api("grid_worker"), started, "recall", {"reason": "派错"}, status=409)
    assert error(late)["code"] == "invalid_transition"


def test_the_api_dispatches_only_where_the_web_may(api, cases, world):
    """Issue 14: the JSON API dispatched to any department or user with 200."""
    from minqing.places.models import Department, Place

    other = Place.objects.create(code="120103", name="河西区", kind="district")
    Department.objects.create(code="HX-W", name="河西区水务局", level="district", place=other)
    case = cases.in_state("accepted")
    worker = api("grid_worker")
    for body, field in [
        ({"department": "HX-W"}, "department"),
        ({"assignee": "gw2"}, "assignee"),  # another grid's worker
        ({"assignee": "h"}, "assignee"),  # a department's handler, as a person
    ]:
        response = worker.post(f"/cases/{case.code}/dispatch", body, if_match=etag_of(case))
        assert response.status_code == 422, response.content
        assert error(response)["field"] == field
    case.refresh_from_db()
    assert (case.state, case.version) == ("accepted", 2)
