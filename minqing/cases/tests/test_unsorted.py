"""The catch-all category 待分类 (issue 15): a case is never refused for want of a category; it
waits in triage under 待分类 until a dispatcher sorts it, and the router never dispatches it."""

from __future__ import annotations

import pytest

from minqing.cases import services
from minqing.cases.categories import category_leaves
from minqing.cases.models import UNSORTED_CATEGORY, CaseState, Category, TimeLimitClass
from minqing.cases.selectors import triage_for
from minqing.conftest import ROUTER_EXAMPLES

pytestmark = pytest.mark.usefixtures("english")


def report(world, **more):
    values = {
        "actor": world.users["grid_worker"],
        "title": "大门老旧，关不严实",
        "category": None,
        "place": world.building,
        "channel": "household_visit",
    }
    return services.case_report(**(values | more))


def test_the_migration_made_the_catch_all(db):
    unsorted = Category.objects.get(code=UNSORTED_CATEGORY)
    assert (unsorted.name, unsorted.level, unsorted.parent) == ("待分类", 1, None)
    assert unsorted.default_department is None
    assert unsorted.district is None
    assert unsorted.time_limit_class == TimeLimitClass.ORDINARY


def test_a_case_without_a_category_is_filed_under_it_and_waits_in_triage(world):
    case = report(world)
    assert case.category.code == UNSORTED_CATEGORY
    assert case.state == CaseState.REPORTED
    assert case in triage_for(world.users["grid_worker"])


def test_it_is_made_again_if_it_was_deleted(world):
    Category.objects.filter(code=UNSORTED_CATEGORY).delete()
    assert report(world).category.code == UNSORTED_CATEGORY


def test_it_is_not_a_category_to_choose(world):
    codes = {leaf.code for leaf in category_leaves()} | {
        leaf.code for leaf in category_leaves(["120101"])
    }
    assert UNSORTED_CATEGORY not in codes
    assert {world.door.code, world.pipes.code} <= codes


def test_the_router_never_dispatches_an_unsorted_case(world, train_router):
    """Even a router that learnt the label 待分类 and is sure of it: the catch-all has no
    department, so the case stays in triage with the router's suggestions."""
    noise = ["今天天气很好随便说说", "天气很好没有问题", "随便说说天气", "天气不错随便聊聊"]
    train_router(ROUTER_EXAMPLES + [("待分类", t) for t in noise], threshold=0.0)
    case = report(world, title="天气很好随便说说", channel="phone")
    case.refresh_from_db()
    assert case.category.code == UNSORTED_CATEGORY
    assert case.state == CaseState.REPORTED
    assert case.assignee_department is None
    [event] = case.events.filter(action__in=["route", "suggest"])
    assert event.action == "suggest"
    assert event.data["suggestions"][0]["label"] == "待分类"
    assert event.data["reason"] == "no_department"
