"""Queues per role, with filters, sorting and pagination; batches from a queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.cases import services
from minqing.cases.models import Batch, Case, CaseState
from minqing.cases.tick import tick
from minqing.core.tests.helpers import login, text


def codes(response) -> list[str]:
    return [c.code for c in response.context["page"].object_list]


def test_my_grid_lists_open_cases_of_my_grid_only(client, world, cases):
    mine = cases.in_state("dispatched")
    cases.in_state("closed")
    theirs = cases.report(place=world.other_building, actor=world.users["other_grid_worker"])
    login(client, world.users["agency_cadre"])
    response = client.get(reverse("cases:open"))
    assert codes(response) == [mine.code]
    login(client, world.users["grid_worker"])
    page = client.get(reverse("cases:field"))
    assert [c.code for c in page.context["open_cases"]] == [mine.code]
    login(client, world.users["other_grid_worker"])
    assert codes(client.get(reverse("cases:open"))) == [theirs.code]


def test_triage_is_what_waits_for_my_decision(client, world, cases):
    new = cases.in_state("reported")
    accepted = cases.in_state("accepted")
    cases.in_state("dispatched")
    up = cases.in_state("accepted", level="community")
    login(client, world.users["grid_worker"])
    assert set(codes(client.get(reverse("cases:triage")))) == {new.code, accepted.code}
    login(client, world.users["community_staff"])
    assert set(codes(client.get(reverse("cases:triage")))) == {new.code, accepted.code, up.code}


def test_the_department_queue_is_the_departments_cases(client, world, cases):
    housing = cases.in_state("dispatched")
    started = cases.in_state("in_progress")
    water = cases.in_state("dispatched", department=world.water)
    cases.in_state("resolved")
    login(client, world.users["handler"])
    assert set(codes(client.get(reverse("cases:department")))) == {housing.code, started.code}
    login(client, world.users["water_handler"])
    assert codes(client.get(reverse("cases:department"))) == [water.code]


def test_overdue_by_level(client, world, cases):
    case = cases.in_state("dispatched")
    tick(now=timezone.now() + timedelta(hours=3))  # 2 h limit: overdue, escalated
    cases.in_state("reported")
    login(client, world.users["community_staff"])
    response = client.get(reverse("cases:overdue"))
    assert codes(response) == [case.code]
    assert ("Community", 1) in [(str(label), n) for label, n in response.context["by_level"]]


@pytest.mark.parametrize(
    ("who", "queue", "status"),
    [
        ("volunteer", "cases:triage", 403),
        ("volunteer", "cases:overdue", 403),
        ("volunteer", "cases:department", 403),
        ("volunteer", "cases:open", 200),
        ("volunteer", "cases:visits", 200),
        ("handler", "cases:triage", 403),
        ("handler", "cases:department", 200),
        ("community_staff", "cases:department", 403),
        ("leader", "cases:triage", 200),
        ("nobody", "cases:open", 403),
    ],
)
def test_queues_by_role(client, world, who, queue, status):
    login(client, world.users[who])
    assert client.get(reverse(queue)).status_code == status


def test_filters_sorting_and_pagination(client, world, cases):
    from minqing.cases.models import Category

    water = Category.objects.create(code="C01.02", name="供水", level=2, parent=world.door.top)
    world.pipes.parent = water
    world.pipes.save()
    for _ in range(27):
        cases.report()
    pipe = cases.report(category=world.pipes, place=world.other_building, title="水管锈水")
    done = cases.in_state("in_progress")
    login(client, world.users["community_staff"])
    url = reverse("cases:open")
    first = client.get(url)
    assert first.context["page"].paginator.count == 29
    assert len(codes(first)) == 25
    assert len(codes(client.get(url, {"page": 2}))) == 4
    assert codes(client.get(url, {"state": "in_progress"})) == [done.code]
    assert codes(client.get(url, {"category": "C01.02"})) == [pipe.code]
    assert codes(client.get(url, {"category": "C01"}))  # a top category includes its leaves
    assert codes(client.get(url, {"place": "HYNL-G2"})) == [pipe.code]
    assert codes(client.get(url, {"q": pipe.code})) == [pipe.code]
    assert codes(client.get(url, {"q": "锈水"})) == [pipe.code]
    assert codes(client.get(url, {"overdue": "yes"})) == []
    today = timezone.localdate().isoformat()
    assert client.get(url, {"since": today, "until": today}).context["page"].paginator.count == 29
    newest = codes(client.get(url, {"sort": "new"}))[0]
    oldest = codes(client.get(url, {"sort": "old"}))[0]
    assert Case.objects.get(code=newest).reported_at >= Case.objects.get(code=oldest).reported_at
    assert client.get(url, {"sort": "deadline"}).status_code == 200
    assert client.get(url, {"sort": "place"}).status_code == 200
    # Bad filter values do not break the page.
    assert client.get(url, {"state": "nonsense", "since": "yesterday"}).status_code == 200


def test_return_visits_due(client, world, cases):
    case = cases.in_state("resolved")
    login(client, world.users["grid_worker"])
    assert client.get(reverse("cases:visits")).context["page"].paginator.count == 0
    assert client.get(reverse("cases:visits"), {"show": "all"}).context["page"].paginator.count == 1
    tick(now=timezone.now() + timedelta(days=2))
    response = client.get(reverse("cases:visits"))
    assert [v.case.code for v in response.context["page"].object_list] == [case.code]
    login(client, world.users["other_grid_worker"])
    assert client.get(reverse("cases:visits")).context["page"].paginator.count == 0


def test_a_batch_from_cases_picked_in_a_queue(client, world, cases):
    a = cases.report(category=world.pipes, title="水管锈水")
    b = cases.report(category=world.pipes, title="水管锈水", place=world.other_building)
    login(client, world.users["community_staff"])
    picked = client.post(reverse("cases:batch_new"), {"cases": [a.code, b.code]})
    assert picked.status_code == 200
    assert a.code in text(picked)
    response = client.post(
        reverse("cases:batch_new"),
        {"cases": [a.code, b.code], "title": "小区供水管网整体改造", "description": "一次更换"},
    )
    batch = Batch.objects.get()
    assert response["Location"] == reverse("cases:batch", args=[batch.code])
    assert set(batch.cases.values_list("code", flat=True)) == {a.code, b.code}
    page = client.get(reverse("cases:batch", args=[batch.code]))
    assert page.status_code == 200
    assert client.get(reverse("cases:batches")).context["page"].object_list[0].members == 2
    response = client.post(reverse("cases:batch", args=[batch.code]), {"reply": ""})
    assert response.status_code == 400
    client.post(reverse("cases:batch", args=[batch.code]), {"reply": "已整体更换。"})
    assert set(Case.objects.values_list("state", flat=True)) == {CaseState.RESOLVED}
    assert all(c.visits.count() == 1 for c in Case.objects.all())
    again = client.post(reverse("cases:batch", args=[batch.code]), {"reply": "x"})
    assert again.status_code == 403  # resolved: no form, nothing to post


def test_batches_need_a_title_and_cases(client, world, cases):
    a = cases.report()
    login(client, world.users["grid_worker"])
    response = client.post(reverse("cases:batch_new"), {"cases": [a.code], "title": ""})
    assert response.status_code == 400
    response = client.post(reverse("cases:batch_new"), {"title": "x"})
    assert response.status_code == 400
    assert not Batch.objects.exists()


def test_batches_by_role_and_scope(client, world, cases):
    a = cases.report()
    services.batch_create(actor=world.users["grid_worker"], title="楼门", cases=[a])
    batch = Batch.objects.get()
    login(client, world.users["volunteer"])
    assert client.get(reverse("cases:batches")).status_code == 403
    assert client.post(reverse("cases:batch_new"), {"cases": [a.code]}).status_code == 403
    login(client, world.users["other_grid_worker"])
    assert client.get(reverse("cases:batch", args=[batch.code])).status_code == 404
    assert client.post(reverse("cases:batch_new"), {"cases": [a.code]}).status_code == 404
    login(client, world.users["volunteer"])
    page = client.get(reverse("cases:batch", args=[batch.code]))
    assert page.status_code == 200 and page.context["form"] is None
