"""Recall (issue 15): the dispatcher takes a dispatched case back while the department has not
started on it, with a reason; it is back in triage with the response limit to send it on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from minqing.cases import services
from minqing.cases.integrity import check_integrity
from minqing.cases.models import Case, CaseState
from minqing.cases.selectors import case_list_for, department_queue_for
from minqing.cases.timeline import public_timeline, staff_timeline
from minqing.core.tests.helpers import login, text
from minqing.lib.errors import Conflict, DomainError, NotAllowed
from minqing.notify.models import OutboxMessage
from minqing.notify.webhooks import ALL_EVENT_TYPES, event_type_for

pytestmark = pytest.mark.usefixtures("english")

T0 = dt.datetime(2026, 3, 2, 19, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def fresh(case: Case) -> Case:
    return Case.objects.select_related("assignee_department", "assignee_user").get(pk=case.pk)


def test_the_dispatcher_recalls_a_case_the_department_has_not_started(world, cases, time_machine):
    time_machine.move_to(T0, tick=False)
    case = cases.in_state("dispatched")
    version = case.version
    case = services.case_recall(
        actor=world.users["grid_worker"], case=case, version=version, reason="  派错部门了 "
    )
    case = fresh(case)
    assert case.state == CaseState.ACCEPTED
    assert case.version == version + 1
    assert (case.assignee_department, case.assignee_user) == (None, None)
    # Like a case sent back: the dispatcher has the response limit to send it on (2 h).
    assert (case.deadline, case.overdue) == (T0 + dt.timedelta(hours=2), False)
    event = case.events.last()
    assert (event.action, event.from_state, event.to_state) == ("recall", "dispatched", "accepted")
    assert (event.actor, event.note, event.data) == (
        world.users["grid_worker"],
        "派错部门了",
        {"from": "老旧房屋改造办"},
    )
    message = OutboxMessage.objects.get(topic="case.recall")
    assert message.payload["case"] == case.code and message.payload["to"] == "accepted"
    assert list(check_integrity()) == []
    # The department no longer sees it; dispatched again, the new one does.
    assert not case_list_for(world.users["handler"]).filter(pk=case.pk).exists()
    case = services.case_dispatch(
        actor=world.users["grid_worker"], case=case, version=case.version, department=world.water
    )
    assert department_queue_for(world.users["water_handler"]).filter(pk=case.pk).exists()


def test_a_case_dispatched_to_a_person_is_recalled_from_them(world, cases):
    case = cases.in_state("dispatched", assignee=world.users["agency_cadre"])
    case = services.case_recall(
        actor=world.users["community_staff"], case=case, version=case.version, reason="另派"
    )
    assert fresh(case).assignee_user is None
    assert case.events.last().data == {"from": str(world.users["agency_cadre"])}


def test_once_the_department_has_started_it_cannot_be_recalled(world, cases):
    case = cases.in_state("in_progress")
    with pytest.raises(Conflict) as refused:
        services.case_recall(
            actor=world.users["grid_worker"], case=case, version=case.version, reason="派错"
        )
    assert refused.value.code == "invalid_transition"
    assert "it cannot recall now" in str(refused.value)
    assert fresh(case).state == CaseState.IN_PROGRESS
    assert not OutboxMessage.objects.filter(topic="case.recall").exists()


@pytest.mark.parametrize("who", ["handler", "volunteer", "other_grid_worker"])
def test_only_those_who_dispatch_may_recall(world, cases, who):
    case = cases.in_state("dispatched")
    with pytest.raises(NotAllowed, match=f"You may not recall case {case.code}."):
        services.case_recall(actor=world.users[who], case=case, version=case.version, reason="x")
    assert fresh(case).state == CaseState.DISPATCHED


def test_a_recall_needs_a_reason_and_a_current_version(world, cases):
    case = cases.in_state("dispatched")
    with pytest.raises(DomainError) as refused:
        services.case_recall(
            actor=world.users["grid_worker"], case=case, version=case.version, reason="  "
        )
    assert refused.value.field == "reason"
    with pytest.raises(DomainError) as stale:
        services.case_recall(
            actor=world.users["grid_worker"], case=case, version=case.version - 1, reason="x"
        )
    assert stale.value.code == "stale_version"
    assert fresh(case).state == CaseState.DISPATCHED


def test_the_history_says_who_took_it_back_from_whom(world, cases):
    case = cases.in_state("dispatched")
    services.case_recall(
        actor=world.users["grid_worker"], case=case, version=case.version, reason="派错"
    )
    events = list(case.events.order_by("seq"))
    assert staff_timeline(events)[-1].text == (
        "gw took it back from 老旧房屋改造办, to dispatch it again."
    )
    public = public_timeline(events)[-1]
    assert (public.text, public.note) == ("It is being passed to the right department.", "")


def test_webhooks_call_it_case_recalled():
    assert event_type_for({"action": "recall"}) == "case.recalled"
    assert "case.recalled" in ALL_EVENT_TYPES


# --- the case page ------------------------------------------------------------------------


def url(case, action=None):
    if action is None:
        return reverse("cases:detail", args=[case.code])
    return reverse("cases:action", args=[case.code, action])


def actions_on_page(response) -> list[str]:
    return [a["name"] for a in response.context["actions"]]


def test_the_case_page_offers_recall_to_the_dispatcher_until_work_starts(client, world, cases):
    case = cases.in_state("dispatched")
    login(client, world.users["grid_worker"])
    page = client.get(url(case))
    assert actions_on_page(page) == ["recall", "escalate", "merge", "note"]
    assert "Recall" in text(page)
    login(client, world.users["handler"])
    assert "recall" not in actions_on_page(client.get(url(case)))
    started = cases.in_state("in_progress")
    login(client, world.users["grid_worker"])
    assert "recall" not in actions_on_page(client.get(url(started)))


def test_recalling_on_the_case_page(client, world, cases):
    case = cases.in_state("dispatched")
    login(client, world.users["grid_worker"])
    response = client.post(url(case, "recall"), {"version": case.version, "reason": ""})
    assert response.status_code == 400  # the reason is required, said next to the field
    recall = next(a for a in response.context["actions"] if a["name"] == "recall")
    assert recall["open"] and "reason" in recall["form"].errors
    response = client.post(
        url(case, "recall"), {"version": case.version, "reason": "派错部门"}, follow=True
    )
    assert response.redirect_chain == [(url(case), 302)]
    body = text(response)
    assert "Recalled: the case is back with you, to dispatch again." in body
    assert "gw took it back from 老旧房屋改造办, to dispatch it again." in body
    case = fresh(case)
    assert (case.state, case.assignee_department) == (CaseState.ACCEPTED, None)
    assert "dispatch" in actions_on_page(response)


def test_a_recall_after_the_department_started_is_a_message(client, world, cases):
    case = cases.in_state("dispatched")
    login(client, world.users["grid_worker"])
    seen = case.version
    services.case_start(actor=world.users["handler"], case=case, version=case.version)
    response = client.post(url(case, "recall"), {"version": seen, "reason": "派错"}, follow=True)
    assert "Someone else changed this case" in text(response)
    assert fresh(case).state == CaseState.IN_PROGRESS
