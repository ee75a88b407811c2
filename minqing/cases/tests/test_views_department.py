"""The department queue for handlers (issue 15): a search over code, title, description and
building, and a "done" tab with the department's resolved and closed cases, newest first."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from minqing.cases.models import Case
from minqing.cases.selectors import department_done_for, search_words
from minqing.core.tests.helpers import login, text
from minqing.lib import clock

URL = reverse("cases:department")


def codes(response) -> list[str]:
    return [c.code for c in response.context["page"].object_list]


def test_the_search_finds_by_code_title_description_and_building(client, world, cases):
    door = cases.in_state("dispatched", title="楼门关不上", description="门锁坏了，晚上外人进出。")
    roof = cases.in_state(
        "in_progress",
        title="屋顶漏雨",
        description="顶层住户家里墙皮脱落。",
        place=world.other_building,
    )
    login(client, world.users["handler"])
    assert set(codes(client.get(URL))) == {door.code, roof.code}
    assert codes(client.get(URL, {"q": door.code})) == [door.code]
    assert codes(client.get(URL, {"q": door.code[-4:]})) == [door.code]  # part of a code
    assert codes(client.get(URL, {"q": "漏雨"})) == [roof.code]  # the title
    assert codes(client.get(URL, {"q": "门锁"})) == [door.code]  # a word of the description
    assert codes(client.get(URL, {"q": "义顺里20号"})) == [roof.code]  # the building
    # Several words: each must match somewhere.
    assert codes(client.get(URL, {"q": "义顺里7号 门锁"})) == [door.code]
    assert codes(client.get(URL, {"q": "义顺里7号 墙皮"})) == []
    # The search narrows the department's own cases, never widens them.
    theirs = cases.in_state("dispatched", department=world.water, title="楼门关不上 水表")
    assert theirs.code not in codes(client.get(URL, {"q": "楼门"}))
    page = client.get(URL, {"q": "门锁"})
    assert 'name="q"' in page.content.decode()


def finished(cases, world, n, *, department=None, closed=False):
    """``n`` cases resolved (or closed) one day apart, the last one today."""
    made = []
    now = timezone.now()
    for k in range(n):
        with clock.at(now - timedelta(days=n - k)):
            made.append(
                cases.in_state(
                    "closed" if closed else "resolved",
                    department=department or world.housing,
                    title=f"楼门关不上 第{k}次",
                )
            )
    return made


def test_the_done_tab_lists_the_departments_finished_work_newest_first(client, world, cases):
    resolved = finished(cases, world, 2)
    closed = finished(cases, world, 1, closed=True)
    open_case = cases.in_state("dispatched")
    water = finished(cases, world, 1, department=world.water)
    login(client, world.users["handler"])
    response = client.get(URL, {"tab": "done"})
    assert response.status_code == 200
    # Newest first by when it was finished (the closed one was resolved earliest here).
    finished_order = sorted(
        [*resolved, *closed], key=lambda c: c.resolved_at or c.reported_at, reverse=True
    )
    assert codes(response) == [c.code for c in finished_order]
    assert open_case.code not in codes(response)
    assert water[0].code not in codes(response)  # another department's work
    body = text(response)
    assert "Cases your department has resolved or closed, the last finished first." in body
    # The filters stay on the tab; the open queue keeps only open work.
    html = response.content.decode()
    assert '<input type="hidden" name="tab" value="done">' in html
    assert codes(client.get(URL)) == [open_case.code]
    assert codes(client.get(URL, {"tab": "done", "state": "closed"})) == [closed[0].code]
    assert codes(client.get(URL, {"tab": "done", "q": "第1次"})) == [resolved[1].code]
    login(client, world.users["water_handler"])
    assert codes(client.get(URL, {"tab": "done"})) == [water[0].code]


def test_the_done_tab_is_paginated(client, world, cases):
    made = finished(cases, world, 27)
    login(client, world.users["handler"])
    first = client.get(URL, {"tab": "done"})
    assert first.context["page"].paginator.count == 27
    assert codes(first)[0] == made[-1].code  # the last one finished
    second = client.get(URL, {"tab": "done", "page": 2})
    assert len(codes(second)) == 2
    assert set(codes(first)) | set(codes(second)) == {c.code for c in made}


def test_a_case_sent_back_and_fixed_elsewhere_is_not_in_the_history(world, cases):
    from minqing.cases import services

    case = cases.in_state("dispatched")
    case = services.case_send_back(
        actor=world.users["handler"], case=case, version=case.version, reason="不是我们的"
    )
    case = cases.move(case, "dispatched", department=world.water)
    case = cases.move(case, "in_progress")
    case = cases.move(case, "resolved")
    assert not department_done_for(world.users["handler"]).filter(pk=case.pk).exists()
    assert department_done_for(world.users["water_handler"]).filter(pk=case.pk).exists()


def test_other_roles_see_no_history_through_the_tab(client, world, cases):
    finished(cases, world, 1)
    login(client, world.users["community_staff"])
    assert client.get(URL, {"tab": "done"}).status_code == 403
    assert not department_done_for(world.users["community_staff"]).exists()


def test_search_words_ignores_blank_input(world, cases):
    case = cases.report()
    qs = search_words(Case.objects.all(), "   ")
    assert list(qs) == [case]
