"""Hot issues for leaders: recent cases grouped by place and problem, ranked by heat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.core.tests.helpers import login, text
from minqing.dashboards.hot import hot_issues
from minqing.lib import clock

URL = reverse("dashboards:hot")

DOORS = [
    ("义顺里7号楼门关不上", "楼门老化变形，晚上关不严，外人随意进出。", "13800000001"),
    ("7号楼单元门又关不上了", "楼门变形关不严，晚上外人进出，老人害怕。", "13800000002"),
    ("楼门关不上没人管", "7号楼楼门坏了一个月，关不上，外人随便进。", "13800000003"),
]
WATER = [
    ("自来水发黄", "早上放出来的自来水发黄，水管用了三十年。", "13800000004"),
    ("自来水又发黄了", "自来水发黄有锈味，水管太旧了。", "13800000004"),  # the same person again
]


@pytest.fixture
def hot_world(world, cases):
    """Three people on the door of building 7 over a week; one person twice on the water."""
    now = timezone.now()
    made = {"doors": [], "water": []}
    for days, (title, description, phone) in zip([6, 3, 0], DOORS, strict=True):
        with clock.at(now - timedelta(days=days, hours=1)):
            made["doors"].append(
                cases.report(title=title, description=description, reporter_phone=phone)
            )
    for days, (title, description, phone) in zip([2, 1], WATER, strict=True):
        with clock.at(now - timedelta(days=days)):
            made["water"].append(
                cases.report(
                    title=title,
                    description=description,
                    reporter_phone=phone,
                    category=world.pipes,
                    place=world.other_building,
                )
            )
    with clock.at(now - timedelta(days=1)):
        cases.report(title="楼道灯不亮", description="声控灯坏了。", reporter_phone="13800000009")
    return made


def test_groups_are_ranked_by_heat_and_name_their_place_and_problem(world, hot_world):
    now = timezone.now()
    groups = hot_issues(world.district, since=now - timedelta(days=30), now=now)
    assert [g.rank for g in groups] == [1, 2]
    doors, water = groups
    assert {c.code for c in doors.cases} == {c.code for c in hot_world["doors"]}
    assert {c.code for c in water.cases} == {c.code for c in hot_world["water"]}
    # Three people for a week beat one person twice.
    assert doors.heat > water.heat
    assert (doors.reporters, water.reporters) == (3, 1)
    assert doors.where == "华荫南里社区 义顺里7号"
    assert "关不上" in doors.name
    assert water.where == "华荫南里社区 义顺里20号"
    assert doors.open == 3 and doors.span_days > 5


def test_a_problem_raised_once_is_not_a_hot_issue(world, hot_world):
    now = timezone.now()
    groups = hot_issues(world.district, since=now - timedelta(days=30), now=now)
    assert all(g.size >= 2 for g in groups)
    assert not any("楼道灯" in g.name for g in groups)


def test_the_leader_sees_hot_issues_with_links_to_their_cases(client, world, hot_world):
    login(client, world.users["leader"])
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["place"] == world.district
    body = text(response)
    assert "Hot issues in 和平区" in body
    assert "1. 华荫南里社区 义顺里7号:" in body
    assert "3 cases · 3 people · 3 still open" in body
    html = response.content.decode()
    for case in hot_world["doors"]:
        assert reverse("cases:detail", args=[case.code]) in html


def test_the_period_and_the_place_can_be_chosen(client, world, hot_world):
    login(client, world.users["leader"])
    response = client.get(URL, {"place": "HYNL", "days": "7"})
    assert response.context["place"] == world.community
    assert response.context["days"] == 7
    response = client.get(URL, {"days": "7"})
    assert response.context["place"] == world.district
    assert client.get(URL, {"place": "NOWHERE"}).status_code == 404


def test_sub_district_staff_see_hot_issues_of_their_sub_district(client, world, hot_world):
    login(client, world.users["subdistrict_staff"])
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["place"] == world.street
    assert client.get(URL, {"place": "120101"}).status_code == 404


@pytest.mark.parametrize(
    "who", ["grid_worker", "volunteer", "community_staff", "handler", "nobody"]
)
def test_other_roles_may_not_see_hot_issues(client, world, who):
    login(client, world.users[who])
    assert client.get(URL).status_code == 403


def test_hot_issues_need_a_log_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_dashboard_navigation_links_hot_issues_for_leaders_only(client, world):
    login(client, world.users["leader"])
    assert URL in client.get(reverse("dashboards:home")).content.decode()
    login(client, world.users["community_staff"])
    assert URL not in client.get(reverse("dashboards:home")).content.decode()


def test_an_empty_period_says_so(client, world):
    login(client, world.users["leader"])
    body = text(client.get(URL))
    assert "No problem was raised more than once here in this period." in body


# --- issue 15: heat counts people, not entries ---------------------------------------------

ENTRIES = [
    ("义顺里7号楼门关不上", "楼门老化变形，晚上关不严，外人随意进出。"),
    ("7号楼单元门又关不上了", "楼门变形关不严，晚上外人进出，老人害怕。"),
    ("楼门关不上没人管", "7号楼楼门坏了一个月，关不上，外人随便进。"),
    ("义顺里7号楼门坏了", "楼门关不严，晚上外人随意进出。"),
    ("7号楼楼门关不上", "楼门变形，关不上，外人进出。"),
    ("楼门还是关不上", "7号楼楼门关不严，晚上外人进出。"),
    ("义顺里7号单元门关不上", "楼门老化关不严，外人随意进出。"),
]


def door_entries(cases, worker, *, names=None, phones=None):
    """The grid worker writes down the door of building 7 once a day for a week."""
    now = timezone.now()
    made = []
    for k, (title, description) in enumerate(ENTRIES):
        with clock.at(now - timedelta(days=len(ENTRIES) - k)):
            made.append(
                cases.report(
                    actor=worker,
                    title=title,
                    description=description,
                    reporter_name=names[k] if names else "",
                    reporter_phone=phones[k] if phones else "",
                )
            )
    return made


def the_door_group(world, made):
    now = timezone.now()
    groups = hot_issues(world.district, since=now - timedelta(days=30), now=now)
    [group] = [g for g in groups if {c.code for c in made} <= {c.code for c in g.cases}]
    return group


def test_one_workers_entries_naming_nobody_count_as_one_person(world, cases):
    made = door_entries(cases, world.users["grid_worker"])
    with clock.at(timezone.now() - timedelta(hours=3)):
        made.append(
            cases.report(
                title="7号楼楼门关不上",
                description="楼门坏了关不严。",
                reporter_phone="13800000001",
            )
        )
    group = the_door_group(world, made)
    assert group.size == 8
    # Seven entries by one worker about one building are one voice; the resident another.
    assert group.reporters == 2


def test_entries_by_staff_count_by_the_residents_they_name(world, cases):
    names = ["王阿姨", "王阿姨", "李大爷", " 王阿姨 ", "李大爷", "", ""]
    phones = ["", "", "", "", "", "138 1234 5678", "13812345678"]
    made = door_entries(cases, world.users["grid_worker"], names=names, phones=phones)
    group = the_door_group(world, made)
    # 王阿姨, 李大爷, and the one number written two ways.
    assert (group.size, group.reporters) == (7, 3)


def test_the_same_person_recording_in_two_buildings_is_two_voices(world, cases):
    from minqing.dashboards.hot import reporter_key

    worker = world.users["community_staff"]  # the whole community
    here = cases.report(actor=worker, reporter_name="", reporter_phone="")
    there = cases.report(
        actor=worker, reporter_name="", reporter_phone="", place=world.other_building
    )
    again = cases.report(actor=worker, reporter_name="", reporter_phone="")
    assert reporter_key(here) == reporter_key(again) != reporter_key(there)
    anonymous = cases.report(actor=None, role="resident", reporter_name="", reporter_phone="")
    other = cases.report(actor=None, role="resident", reporter_name="", reporter_phone="")
    assert reporter_key(anonymous) != reporter_key(other)  # nobody to tell them apart by
