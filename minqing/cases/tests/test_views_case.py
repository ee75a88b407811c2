"""The case page: facts, masked phone, plain timeline, only the actions allowed now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.cases import services
from minqing.cases.models import Batch, Case, CaseEvent, CaseState, ReturnVisit
from minqing.core.tests.helpers import login, text


def url(case, action=None):
    if action is None:
        return reverse("cases:detail", args=[case.code])
    return reverse("cases:action", args=[case.code, action])


def actions_on_page(response) -> list[str]:
    return [a["name"] for a in response.context["actions"]]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("grid_worker", 200),
        ("agency_cadre", 200),
        ("volunteer", 200),
        ("community_staff", 200),
        ("subdistrict_staff", 200),
        ("leader", 200),
        ("handler", 200),  # dispatched to housing
        ("other_grid_worker", 404),
        ("water_handler", 404),
        ("nobody", 404),
    ],
)
def test_who_can_open_a_case(client, world, cases, who, status):
    case = cases.in_state("dispatched")
    login(client, world.users[who])
    assert client.get(url(case)).status_code == status


def test_out_of_scope_actions_are_not_found_either(client, world, cases):
    case = cases.in_state("reported")
    login(client, world.users["other_grid_worker"])
    response = client.post(url(case, "accept"), {"version": case.version})
    assert response.status_code == 404
    assert client.post(reverse("cases:phone", args=[case.code])).status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED


def test_the_page_shows_the_facts_and_a_plain_timeline(client, world, cases):
    case = cases.in_state("dispatched")
    login(client, world.users["community_staff"])
    body = text(client.get(url(case)))
    assert case.code in body
    assert case.title in body
    assert "义顺里7号" in body
    assert "gw wrote it down (Evening talk)." in body
    assert "gw accepted it." in body
    assert "gw sent it to 老旧房屋改造办, due by" in body


def test_the_phone_is_masked_until_shown_and_the_look_is_recorded(client, world, cases):
    case = cases.in_state("reported")
    login(client, world.users["community_staff"])
    page = client.get(url(case)).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    response = client.post(reverse("cases:phone", args=[case.code]))
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert event is not None
    assert event.action == "reveal_phone"
    assert event.actor == world.users["community_staff"]
    assert "cs looked at the reporter's number." in text(client.get(url(case)))
    # A look is recorded without bumping the version: a colleague's open form stays valid.
    assert response.context["actions"][0]["form"].initial["version"] == case.version


def test_a_volunteer_sees_no_decisions(client, world, cases):
    case = cases.in_state("reported")
    login(client, world.users["volunteer"])
    assert actions_on_page(client.get(url(case))) == ["note"]
    response = client.post(url(case, "accept"), {"version": case.version})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED


@pytest.mark.parametrize(
    ("state", "who", "expected"),
    [
        ("reported", "grid_worker", ["accept", "escalate", "merge", "reject", "note"]),
        ("accepted", "community_staff", ["dispatch", "escalate", "merge", "reject", "note"]),
        ("dispatched", "handler", ["start", "send_back", "note"]),
        ("in_progress", "handler", ["resolve", "send_back", "note"]),
        ("resolved", "grid_worker", ["return_visit", "close", "reopen", "note"]),
        ("closed", "grid_worker", ["reopen", "note"]),
        ("rejected", "grid_worker", ["note"]),
    ],
)
def test_only_the_actions_allowed_now_are_offered(client, world, cases, state, who, expected):
    case = cases.in_state(state)
    login(client, world.users[who])
    assert actions_on_page(client.get(url(case))) == expected


def test_accept_then_dispatch_to_the_default_department(client, world, cases):
    case = cases.in_state("reported")
    login(client, world.users["grid_worker"])
    response = client.post(url(case, "accept"), {"version": case.version, "note": ""})
    assert response.status_code == 302
    page = client.get(url(case))
    assert "Accepted." in text(page)
    form = next(a["form"] for a in page.context["actions"] if a["name"] == "dispatch")
    assert form.initial["to"] == "d:D-HOUSING"  # the category's department, preselected
    assert "the category's time limit, due by" in form.fields["deadline"].help_text
    case.refresh_from_db()
    client.post(url(case, "dispatch"), {"version": case.version, "to": "d:D-HOUSING"})
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED
    assert case.assignee_department == world.housing
    assert case.deadline is not None


def test_dispatch_to_a_person_with_a_deadline(client, world, cases):
    case = cases.in_state("accepted")
    login(client, world.users["grid_worker"])
    when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    worker = world.users["agency_cadre"]
    client.post(
        url(case, "dispatch"), {"version": case.version, "to": f"u:{worker.pk}", "deadline": when}
    )
    case.refresh_from_db()
    assert case.assignee_user == worker
    assert timezone.localtime(case.deadline).strftime("%Y-%m-%dT%H:%M") == when


def test_dispatch_refuses_a_past_deadline_next_to_the_field(client, world, cases):
    case = cases.in_state("accepted")
    login(client, world.users["grid_worker"])
    past = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url(case, "dispatch"), {"version": case.version, "to": "d:D-HOUSING", "deadline": past}
    )
    assert response.status_code == 400
    dispatch = next(a for a in response.context["actions"] if a["name"] == "dispatch")
    assert dispatch["open"]
    assert "The deadline must be in the future." in dispatch["form"].errors["deadline"]


def test_dispatch_refuses_a_target_not_in_the_list(client, world, cases):
    case = cases.in_state("accepted")
    login(client, world.users["grid_worker"])
    response = client.post(url(case, "dispatch"), {"version": case.version, "to": "u:999999"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_the_handler_starts_resolves_and_the_reply_is_required(client, world, cases):
    case = cases.in_state("dispatched")
    login(client, world.users["handler"])
    client.post(url(case, "start"), {"version": case.version})
    case.refresh_from_db()
    assert case.state == CaseState.IN_PROGRESS
    response = client.post(url(case, "resolve"), {"version": case.version, "reply": ""})
    assert response.status_code == 400
    assert (
        "reply"
        in next(a["form"] for a in response.context["actions"] if a["name"] == "resolve").errors
    )
    client.post(url(case, "resolve"), {"version": case.version, "reply": "已更换新楼门。"})
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED
    assert case.reply == "已更换新楼门。"


def test_send_back_with_a_reason(client, world, cases):
    case = cases.in_state("dispatched")
    login(client, world.users["handler"])
    client.post(url(case, "send_back"), {"version": case.version, "reason": "不属于本部门"})
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    assert case.assignee_department is None
    # The handler no longer sees it.
    assert client.get(url(case)).status_code == 404


def test_sending_back_lands_on_the_queue_and_says_what_was_done(client, world, cases):
    case = cases.in_state("in_progress")
    login(client, world.users["handler"])
    response = client.post(
        url(case, "send_back"), {"version": case.version, "reason": "不属于本部门"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("cases:department"), 302)]
    assert f"Case {case.code} sent back to the dispatcher." in text(response)


def test_escalate_reject_close_reopen_and_note(client, world, cases):
    login(client, world.users["grid_worker"])
    case = cases.in_state("reported")
    client.post(url(case, "escalate"), {"version": case.version, "reason": "网格解决不了"})
    case.refresh_from_db()
    assert case.level == "community"
    assert "escalate" not in actions_on_page(client.get(url(case)))  # above the grid now

    case = cases.in_state("reported")
    client.post(url(case, "reject"), {"version": case.version, "reason": "重复反映"})
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED

    case = cases.in_state("resolved")
    client.post(url(case, "close"), {"version": case.version, "reason": "电话确认"})
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    client.post(url(case, "reopen"), {"version": case.version, "reason": "又坏了"})
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED

    client.post(url(case, "note"), {"version": case.version, "note": "已电话联系居民"})
    assert "已电话联系居民" in text(client.get(url(case)))


def test_the_return_visit_closes_or_reopens(client, world, cases):
    login(client, world.users["grid_worker"])
    case = cases.in_state("resolved")
    visit = {"method": "phone", "solved": "yes", "satisfied": "satisfied", "comment": "满意"}
    client.post(url(case, "return_visit"), {"version": case.version, **visit})
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert ReturnVisit.objects.get(case=case).satisfied == "satisfied"

    case = cases.in_state("resolved")
    visit |= {"solved": "no", "satisfied": "unsatisfied"}
    client.post(url(case, "return_visit"), {"version": case.version, **visit})
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED


def test_merge_into_a_new_then_an_existing_batch(client, world, cases):
    login(client, world.users["community_staff"])
    first, second = cases.in_state("accepted"), cases.in_state("accepted")
    client.post(url(first, "merge"), {"version": first.version, "title": "整片更换楼门"})
    batch = Batch.objects.get()
    assert list(batch.cases.all()) == [first]
    page = client.get(url(second))
    merge = next(a for a in page.context["actions"] if a["name"] == "merge")
    assert (batch.code, f"{batch.code} {batch.title}") in merge["form"].fields["batch"].choices
    client.post(url(second, "merge"), {"version": second.version, "batch": batch.code})
    assert set(batch.cases.all()) == {first, second}
    assert batch.code in text(client.get(url(second)))
    assert "merge" not in actions_on_page(client.get(url(second)))


def test_a_stale_edit_shows_a_clear_message_and_the_fresh_state(client, world, cases):
    case = cases.in_state("reported")
    seen = case.version
    # Someone else acts first.
    services.case_accept(actor=world.users["community_staff"], case=case, version=seen)
    login(client, world.users["grid_worker"])
    response = client.post(url(case, "reject"), {"version": seen, "reason": "重复"}, follow=True)
    assert response.status_code == 200
    body = text(response)
    assert "Someone else changed this case while you were looking at it." in body
    assert "cs accepted it." in body
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED


def test_a_stale_edit_on_an_action_still_allowed_is_refused_too(client, world, cases):
    case = cases.in_state("reported")
    seen = case.version
    # A colleague merges it into a batch: a real change, and "accept" is still allowed.
    services.batch_create(actor=world.users["community_staff"], title="x", cases=[case])
    login(client, world.users["grid_worker"])
    response = client.post(url(case, "accept"), {"version": seen}, follow=True)
    assert "Someone else changed this case" in text(response)
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED


def test_an_action_without_a_version_is_a_bad_request(client, world, cases):
    case = cases.in_state("reported")
    login(client, world.users["grid_worker"])
    assert client.post(url(case, "accept"), {}).status_code == 400
    assert client.post(url(case, "fly"), {"version": case.version}).status_code == 404
    assert client.get(url(case, "accept")).status_code == 405


def test_merging_into_a_resolved_batch_is_refused_next_to_the_field(client, world, cases):
    cases.in_state("reported", batched=True)
    batch = Batch.objects.get()
    services.batch_resolve(actor=world.users["leader"], batch=batch, reply="done")
    other = cases.in_state("reported")
    login(client, world.users["grid_worker"])
    response = client.post(url(other, "merge"), {"version": other.version, "batch": batch.code})
    assert response.status_code == 400
    merge = next(a for a in response.context["actions"] if a["name"] == "merge")
    assert merge["form"].errors["batch"]
    assert Case.objects.get(pk=other.pk).batch is None


def test_an_action_no_longer_offered_is_a_message_not_a_500(client, world, cases):
    case = cases.in_state("reported", batched=True)
    login(client, world.users["grid_worker"])
    response = client.post(
        url(case, "merge"), {"version": case.version, "title": "again"}, follow=True
    )
    assert response.status_code == 200
    assert "You cannot do that with this case now." in text(response)
