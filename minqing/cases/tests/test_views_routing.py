"""The router's outcome on the pages: triage shows its suggestions, each a button that leads to
a confirmation naming the category, department and deadline, and the cases it routed on its
own; the case page says what it did, with which model, how sure."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from minqing.cases import services
from minqing.cases.models import Case, CaseState
from minqing.core.tests.helpers import login, text
from minqing.lib import clock
from minqing.places.models import Department

TRIAGE = reverse("cases:triage")


def web_report(world, title="楼门坏了关不上", description="晚上外人随意进出"):
    return services.case_report(
        actor=None,
        role="resident",
        title=title,
        description=description,
        category=world.door,
        place=world.building,
        channel="web",
        reporter_phone="13812345678",
    )


def test_triage_shows_the_three_suggestions_each_with_a_dispatch_button(
    client, world, train_router
):
    train_router(threshold=1.01)
    case = web_report(world)
    login(client, world.users["community_staff"])
    response = client.get(TRIAGE)
    body = text(response)
    assert case.code in body
    assert "Router suggestions" in body
    assert "below the 101.0% needed to dispatch on its own" in body
    # One button per suggestion a department here takes (only 城乡建设 maps in this world),
    # naming the leaf the case is filed under, not only the router's first-level label.
    html = response.content.decode()
    assert f'id="route-{case.code}"' in html
    assert re.search(rf'form="route-{case.code}" name="label" value="城乡建设"', html)
    assert "城乡建设 › 住房 › 楼门损坏: dispatch to 老旧房屋改造办" in body
    assert "交通运输" in body and "no department here" in body


def test_a_suggestion_asks_for_confirmation_then_dispatches_and_comes_back_to_triage(
    client, world, train_router
):
    train_router(threshold=1.01)
    case = web_report(world)
    login(client, world.users["community_staff"])
    route_to = reverse("cases:route_to", args=[case.code])
    moment = timezone.now() + timedelta(minutes=5)
    with clock.at(moment):
        asked = client.post(
            route_to, {"label": "城乡建设", "version": case.version, "next": TRIAGE}
        )
    # The button only asks: a page that names the category, the department and the deadline,
    # with a plain form (no JavaScript needed) to confirm.
    assert asked.status_code == 200
    body = text(asked)
    assert "Dispatch as the router suggests?" in body
    assert "城乡建设 › 住房 › 楼门损坏" in body and "老旧房屋改造办" in body
    deadline = asked.context["plan"].deadline
    assert deadline == moment + timedelta(hours=2)  # the door's emergency limit
    assert date_format(timezone.localtime(deadline), "SHORT_DATETIME_FORMAT") in body
    assert "Until the department starts work, you can recall the case" in body
    html = asked.content.decode()
    assert f'<form method="post" action="{route_to}">' in html
    assert 'name="confirm" value="1"' in html and f'value="{TRIAGE}"' in html
    case.refresh_from_db()
    assert (case.state, case.version) == (CaseState.REPORTED, 1)
    assert [e.action for e in case.events.all()] == ["report", "suggest"]
    with clock.at(moment):
        response = client.post(
            route_to, {"label": "城乡建设", "version": case.version, "next": TRIAGE, "confirm": "1"}
        )
    assert response.status_code == 302 and response["Location"] == TRIAGE
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED
    assert case.assignee_department == world.housing
    assert case.deadline == deadline  # what the confirmation said
    assert [e.action for e in case.events.all()] == ["report", "suggest", "accept", "dispatch"]
    assert f"{case.code} dispatched to 老旧房屋改造办" in text(client.get(TRIAGE))


def test_one_click_on_a_stale_page_changes_nothing(client, world, train_router):
    train_router(threshold=1.01)
    case = web_report(world)
    services.case_accept(actor=world.users["grid_worker"], case=case, version=case.version)
    login(client, world.users["community_staff"])
    for confirm in ("", "1"):
        response = client.post(
            reverse("cases:route_to", args=[case.code]),
            {"label": "城乡建设", "version": 1, "confirm": confirm},
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.state == CaseState.ACCEPTED
        assert "Someone else changed this case" in text(client.get(response["Location"]))


def test_a_suggestion_is_for_dispatchers_only(client, world, train_router):
    train_router(threshold=1.01)
    case = web_report(world)
    login(client, world.users["volunteer"])
    url = reverse("cases:route_to", args=[case.code])
    response = client.post(url, {"label": "城乡建设", "version": 1})
    assert response.status_code == 302  # not even the confirmation
    assert "You cannot do that with this case now." in text(client.get(response["Location"]))
    response = client.post(url, {"label": "城乡建设", "version": 1, "confirm": "1"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
    assert "You may not accept" in text(client.get(response["Location"]))


def test_a_suggestion_no_department_takes_is_refused_before_asking(client, world, train_router):
    train_router(threshold=1.01)
    case = web_report(world)
    login(client, world.users["community_staff"])
    response = client.post(
        reverse("cases:route_to", args=[case.code]), {"label": "交通运输", "version": 1}
    )
    assert response.status_code == 302
    assert "No department here takes" in text(client.get(response["Location"]))
    assert Case.objects.get(pk=case.pk).version == 1


def test_the_confirmation_names_the_leaf_the_keyword_rules_pick(client, world, train_router):
    from minqing.cases.models import Category

    buses = Department.objects.create(
        code="D-BUS", name="公交集团", level="district", place=world.district
    )
    top = Category.objects.create(code="C07", name="交通运输", level=1)
    mid = Category.objects.create(code="C07.01", name="公共交通", level=2, parent=top)
    Category.objects.create(
        code="C07.01.01",
        name="公交服务",
        level=3,
        parent=mid,
        default_department=buses,
        keywords="公交 站台",
        time_limit_class="utilities",
    )
    train_router(threshold=1.01)
    case = web_report(world, title="公交车不按时发车", description="站台等车太久")
    login(client, world.users["community_staff"])
    assert "交通运输 › 公共交通 › 公交服务: dispatch to 公交集团" in text(client.get(TRIAGE))
    asked = client.post(
        reverse("cases:route_to", args=[case.code]), {"label": "交通运输", "version": 1}
    )
    body = text(asked)
    assert "交通运输 › 公共交通 › 公交服务 (instead of 楼门损坏)" in body
    plan = asked.context["plan"]
    assert plan.deadline - timezone.now() > timedelta(hours=23)  # 公交服务's 24 hours
    client.post(
        reverse("cases:route_to", args=[case.code]),
        {"label": "交通运输", "version": 1, "confirm": "1"},
    )
    case.refresh_from_db()
    assert (case.category.code, case.assignee_department) == ("C07.01.01", buses)


def test_triage_lists_what_the_router_dispatched_on_its_own(client, world, train_router):
    version = train_router(threshold=0.8)
    case = web_report(world)
    assert case.state == CaseState.DISPATCHED
    login(client, world.users["grid_worker"])
    response = client.get(TRIAGE)
    assert case.code not in [c.code for c in response.context["page"].object_list]
    assert [c.code for c in response.context["routed"]] == [case.code]
    body = text(response)
    assert "Routed automatically in the last 7 days" in body
    assert "to 老旧房屋改造办 as 城乡建设" in body and version in body


def test_the_case_page_says_the_router_sent_it_with_which_model_and_how_sure(
    client, world, train_router
):
    version = train_router(threshold=0.8)
    case = web_report(world)
    login(client, world.users["handler"])
    body = text(client.get(reverse("cases:detail", args=[case.code])))
    assert "Routed automatically" in body
    assert f"(model {version})" in body
    confidence = case.events.get(action="route").data["confidence"]
    assert f"{confidence * 100:.1f}% sure" in body
    assert f"The router {version} sent it to 老旧房屋改造办 as 城乡建设" in body


def test_the_case_page_offers_the_suggestions_to_whoever_may_dispatch(client, world, train_router):
    train_router(threshold=1.01)
    case = web_report(world)
    url = reverse("cases:detail", args=[case.code])
    login(client, world.users["grid_worker"])
    page = client.get(url)
    assert "城乡建设 › 住房 › 楼门损坏: dispatch to 老旧房屋改造办" in text(page)
    assert reverse("cases:route_to", args=[case.code]) in page.content.decode()
    assert "The router" in text(page) and "was not sure enough; it suggests 城乡建设" in text(page)
    login(client, world.users["volunteer"])
    page = client.get(url)
    assert "Router suggestions" in text(page)
    assert reverse("cases:route_to", args=[case.code]) not in page.content.decode()


@pytest.mark.parametrize("who", ["community_staff", "grid_worker"])
def test_a_case_without_a_router_shows_no_router_box(client, world, cases, who):
    case = cases.report(channel="web")
    login(client, world.users[who])
    page = client.get(reverse("cases:detail", args=[case.code]))
    assert page.status_code == 200
    assert 'id="router"' not in page.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.REPORTED
