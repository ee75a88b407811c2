"""Automatic dispatch at intake: the category router routes a new case when it is sure, and
leaves its three suggestions in triage when it is not (docs/routing.md).

Each test trains a small router on data it writes into its own tmp_path (``train_router``);
without one, no router exists (see the autouse fixture in minqing/conftest.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from minqing.cases import services
from minqing.cases.integrity import check_integrity
from minqing.cases.models import CaseState, Category
from minqing.cases.transitions import SYSTEM
from minqing.lib import clock
from minqing.lib.errors import Conflict, DomainError
from minqing.notify.models import OutboxMessage
from minqing.places.models import Department

pytestmark = pytest.mark.usefixtures("english")

T0 = datetime(2026, 3, 2, 19, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def report(world, *, title="楼门坏了关不上", description="", channel="web", **more):
    values = {
        "actor": None,
        "role": "resident",
        "title": title,
        "description": description,
        "category": world.door,
        "place": world.building,
        "channel": channel,
        "reporter_phone": "13812345678",
    }
    values.update(more)
    with clock.at(T0):
        return services.case_report(**values)


def router_events(case):
    return list(case.events.filter(action__in=["route", "suggest"]))


def test_a_new_case_the_router_is_sure_of_is_dispatched_to_its_department(world, train_router):
    version = train_router(threshold=0.8)
    case = report(world, description="晚上外人随意进出")
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED
    # The label 城乡建设 is the case's own top-level category: it keeps its precise category,
    # and that category's department (the door's: housing) and time limit (2 hours).
    assert case.category == world.door
    assert case.assignee_department == world.housing
    assert case.deadline == T0 + timedelta(hours=2)
    assert case.responded_at is None  # the router is not a person answering the resident
    [event] = router_events(case)
    assert (event.action, event.from_state, event.to_state) == ("route", "reported", "dispatched")
    assert event.actor is None and event.actor_label == SYSTEM
    assert event.data["model"] == version
    assert event.data["label"] == "城乡建设"
    assert event.data["confidence"] >= 0.8
    assert event.data["department"] == "D-HOUSING"
    assert OutboxMessage.objects.filter(topic="case.route", payload__case=case.code).exists()
    assert list(check_integrity()) == []


def test_a_label_of_another_top_category_files_the_case_under_it(world, train_router):
    transport = Department.objects.create(
        code="D-TRANSPORT", name="交通运输局", level="district", place=world.district
    )
    top = Category.objects.create(
        code="C07", name="交通运输", level=1, default_department=transport
    )
    train_router(threshold=0.8)
    case = report(world, title="公交车不按时发车", description="站台等车太久")
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED
    assert case.category == top  # the resident's guess (the door) gave way to the router's
    assert case.assignee_department == transport
    assert case.deadline == T0 + timedelta(days=7)  # the ordinary limit of 交通运输
    assert router_events(case)[0].data["category"] == "C07"


def test_below_the_threshold_the_case_waits_in_triage_with_three_suggestions(world, train_router):
    version = train_router(threshold=1.01)  # more than any confidence: never sure enough
    case = report(world)
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
    # Nobody has it yet: the response limit runs.
    assert case.assignee_department is None and case.deadline == case.respond_by
    assert case.version == 1  # an annotation: a colleague's next write is not made stale
    [event] = router_events(case)
    assert (event.action, event.from_state, event.to_state) == ("suggest", "reported", "reported")
    assert event.data["model"] == version
    assert event.data["reason"] == "unsure"
    ideas = event.data["suggestions"]
    assert ideas[0]["label"] == "城乡建设"
    assert sorted(i["label"] for i in ideas) == ["交通运输", "城乡建设", "环境保护"]
    assert ideas[0]["confidence"] >= ideas[1]["confidence"] >= ideas[2]["confidence"]
    # Only 城乡建设 maps onto this district's categories (the case's own, the door).
    assert [(i["category"], i["department"]) for i in ideas] == [
        ("C01.01.01", "D-HOUSING"),
        (None, None),
        (None, None),
    ]
    assert not OutboxMessage.objects.filter(topic="case.suggest").exists()
    assert list(check_integrity()) == []


def test_without_a_model_a_new_case_waits_in_triage_and_nothing_is_written(world):
    case = report(world)
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
    assert [e.action for e in case.events.all()] == ["report"]


def test_a_damaged_model_never_loses_the_report(world, settings, tmp_path):
    models = tmp_path / "broken"
    models.mkdir()
    (models / "router-20260101T000000Z.joblib").write_bytes(b"not a model")
    (models / "current").write_text("router-20260101T000000Z.joblib\n")
    settings.MINQING_ROUTER_MODELS_DIR = models
    case = report(world)
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
    assert [e.action for e in case.events.all()] == ["report"]


class Exploding:
    """A model file whose router breaks when asked (a bug, a half-upgraded library)."""

    version = ""
    labels = ["城乡建设"]

    def predict(self, texts, k=3):
        raise RuntimeError("the model broke")


def test_a_router_that_breaks_never_loses_the_report(world, settings, tmp_path, caplog):
    import joblib

    from minqing.routing.router import FORMAT

    models = tmp_path / "exploding"
    models.mkdir()
    joblib.dump({"format": FORMAT, "router": Exploding()}, models / "router-x.joblib")
    (models / "current").write_text("router-x.joblib\n")
    settings.MINQING_ROUTER_MODELS_DIR = models
    case = report(world)
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
    assert [e.action for e in case.events.all()] == ["report"]
    assert "The router could not read case" in caplog.text


def test_text_the_router_knows_nothing_of_goes_to_triage_without_suggestions(world, train_router):
    train_router(threshold=0.8)
    case = report(world, title="hello, the door is broken")
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
    [event] = router_events(case)
    assert (event.action, event.data["reason"], event.data["suggestions"]) == (
        "suggest",
        "no_known_words",
        [],
    )


def test_a_sure_label_that_no_department_takes_leaves_the_case_in_triage(world, train_router):
    Category.objects.create(code="C05", name="环境保护", level=1)  # no department
    train_router(threshold=0.8)
    noisy = report(world, title="饭店油烟扰民", description="噪音很大")
    unknown = report(world, title="公交车不按时发车")  # no category 交通运输 here at all
    for case, reason in ((noisy, "no_department"), (unknown, "unknown_label")):
        case.refresh_from_db()
        assert case.state == CaseState.REPORTED
        [event] = router_events(case)
        assert (event.action, event.data["reason"]) == ("suggest", reason)
        assert len(event.data["suggestions"]) == 3


def test_a_department_that_does_not_serve_the_place_is_not_routed_to(world, train_router):
    from minqing.places.models import Place, PlaceKind

    elsewhere = Place.objects.create(code="120102", name="河东区", kind=PlaceKind.DISTRICT)
    world.housing.place = elsewhere
    world.housing.save()
    train_router(threshold=0.8)
    case = report(world)
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
    assert router_events(case)[0].data["reason"] == "no_department"


@pytest.mark.parametrize("channel", ["household_visit", "evening_talk", "forum"])
def test_a_case_captured_in_the_field_is_not_routed(world, train_router, channel):
    train_router(threshold=0.8)
    case = report(world, channel=channel, actor=world.users["grid_worker"], role=None)
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
    assert router_events(case) == []


def test_a_case_solved_on_the_spot_is_not_routed(world, train_router):
    train_router(threshold=0.8)
    case = report(
        world,
        channel="phone",
        actor=world.users["grid_worker"],
        role=None,
        solved_on_spot=True,
        reply="当场修好了",
    )
    assert case.state == CaseState.RESOLVED
    assert router_events(case) == []


def test_the_routed_channels_are_a_setting(world, train_router, settings):
    train_router(threshold=0.8)
    settings.MINQING_ROUTER_CHANNELS = ["phone"]
    by_web = report(world)
    by_phone = report(world, channel="phone", actor=world.users["community_staff"], role=None)
    assert by_web.state == CaseState.REPORTED and router_events(by_web) == []
    assert by_phone.state == CaseState.DISPATCHED


def test_every_channel_but_field_capture_is_routed_by_default(world, train_router):
    train_router(threshold=0.8)
    for channel, who in [
        ("web", {"role": "resident"}),
        ("wechat", {"role": "resident"}),
        ("api", {"role": "integrator"}),
        ("phone", {"actor": world.users["community_staff"], "role": None}),
    ]:
        case = report(world, channel=channel, **who)
        assert case.state == CaseState.DISPATCHED, channel


@pytest.mark.parametrize(
    "state", ["accepted", "dispatched", "in_progress", "resolved", "closed", "rejected"]
)
def test_the_router_decides_only_cases_nobody_has_taken_on(world, cases, train_router, state):
    train_router(threshold=0.8)
    case = cases.in_state(state)
    before = (case.version, case.events.count())
    with pytest.raises(Conflict) as refused:
        services.case_route(case=case)
    assert refused.value.code == "invalid_transition"
    case.refresh_from_db()
    assert (case.version, case.events.count()) == before


def test_the_department_starting_a_routed_case_is_its_first_response(world, train_router):
    train_router(threshold=0.8)
    case = report(world)
    with clock.at(T0 + timedelta(minutes=40)):
        case = services.case_start(actor=world.users["handler"], case=case, version=case.version)
    assert case.state == CaseState.IN_PROGRESS
    assert case.responded_at == T0 + timedelta(minutes=40)


def test_one_click_on_a_suggestion_accepts_and_dispatches_the_case(world, train_router):
    train_router(threshold=1.01)
    case = report(world)
    case = services.case_dispatch_suggested(
        actor=world.users["community_staff"], case=case, version=case.version, label="城乡建设"
    )
    assert case.state == CaseState.DISPATCHED
    assert case.assignee_department == world.housing
    assert [e.action for e in case.events.all()] == ["report", "suggest", "accept", "dispatch"]
    assert list(check_integrity()) == []


def test_one_click_on_a_label_no_department_takes_is_refused(world, train_router):
    train_router(threshold=1.01)
    case = report(world)
    with pytest.raises(DomainError) as refused:
        services.case_dispatch_suggested(
            actor=world.users["community_staff"], case=case, version=1, label="交通运输"
        )
    assert "No department here takes" in str(refused.value)
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED


# --- issue 15: suggestions name leaves; taking one keeps the case's own leaf ----------------


def transport_tree(world):
    """交通运输 › 公共交通 › 公交服务 (its own department) and › 道路破损 (none of its own)."""
    transport = Department.objects.create(
        code="D-TRANSPORT", name="交通运输局", level="district", place=world.district
    )
    buses = Department.objects.create(
        code="D-BUS", name="公交集团", level="district", place=world.district
    )
    top = Category.objects.create(
        code="C07", name="交通运输", level=1, default_department=transport
    )
    mid = Category.objects.create(code="C07.01", name="公共交通", level=2, parent=top)
    bus = Category.objects.create(
        code="C07.01.01",
        name="公交服务",
        level=3,
        parent=mid,
        default_department=buses,
        keywords="公交 站台 发车",
    )
    road = Category.objects.create(
        code="C07.01.02", name="道路破损", level=3, parent=mid, keywords="坑洼 路面"
    )
    return top, bus, road, transport, buses


def test_a_suggestion_under_the_cases_own_top_keeps_its_leaf_and_its_department(
    world, train_router
):
    train_router(threshold=1.01)
    case = report(world, title="楼门坏了关不上", category=world.pipes)  # filed under 供水管道
    case = services.case_dispatch_suggested(
        actor=world.users["community_staff"], case=case, version=case.version, label="城乡建设"
    )
    # Not dropped to the first level: the leaf stays, and so does its department (water).
    assert case.category == world.pipes
    assert case.assignee_department == world.water
    assert case.events.get(action="dispatch").data.get("category") is None  # unchanged
    assert list(check_integrity()) == []


def test_when_the_leafs_department_does_not_serve_the_place_the_nearest_one_above_does(
    world, train_router
):
    from minqing.places.models import Place, PlaceKind

    elsewhere = Place.objects.create(code="120102", name="河东区", kind=PlaceKind.DISTRICT)
    world.housing.place = elsewhere
    world.housing.save()
    top = world.door.top
    top.default_department = world.water
    top.save()
    train_router(threshold=1.01)
    case = report(world)
    case = services.case_dispatch_suggested(
        actor=world.users["community_staff"], case=case, version=case.version, label="城乡建设"
    )
    assert case.category == world.door  # still the leaf
    assert case.assignee_department == world.water


def test_a_suggestion_of_another_top_names_the_leaf_the_keyword_rules_pick(world, train_router):
    _top, bus, _road, _transport, buses = transport_tree(world)
    train_router(threshold=1.01)
    case = report(world, title="公交车不按时发车", description="站台等车太久")
    ideas = {i["label"]: i for i in router_events(case)[0].data["suggestions"]}
    assert (ideas["交通运输"]["category"], ideas["交通运输"]["department"]) == (
        "C07.01.01",
        "D-BUS",
    )
    case = services.case_dispatch_suggested(
        actor=world.users["community_staff"], case=case, version=case.version, label="交通运输"
    )
    assert case.category == bus  # the leaf, not the first-level 交通运输
    assert case.assignee_department == buses
    assert case.events.get(action="dispatch").data["category"] == "C07.01.01"


def test_a_leaf_without_a_department_of_its_own_goes_to_the_one_above(world, train_router):
    _top, _bus, road, transport, _buses = transport_tree(world)
    train_router(threshold=1.01)
    case = report(world, title="公交车站门口道路坑洼", description="路面坑洼，车辆乱停")
    case = services.case_dispatch_suggested(
        actor=world.users["community_staff"], case=case, version=case.version, label="交通运输"
    )
    assert (case.category, case.assignee_department) == (road, transport)


def test_without_keywords_that_match_the_suggestion_files_the_case_under_the_top(
    world, train_router
):
    top, _bus, _road, transport, _buses = transport_tree(world)
    train_router(threshold=1.01)
    case = report(world, title="共享单车堵在路口", description="道路不通")
    case = services.case_dispatch_suggested(
        actor=world.users["community_staff"], case=case, version=case.version, label="交通运输"
    )
    assert (case.category, case.assignee_department) == (top, transport)


def test_a_sure_router_also_files_the_case_under_the_keyword_leaf(world, train_router):
    _top, bus, _road, _transport, buses = transport_tree(world)
    train_router(threshold=0.8)
    case = report(world, title="公交车不按时发车", description="站台等车太久")
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED
    assert (case.category, case.assignee_department) == (bus, buses)


def test_another_districts_own_category_of_that_name_is_not_taken(world, train_router):
    from minqing.places.models import Place, PlaceKind

    elsewhere = Place.objects.create(code="120102", name="河东区", kind=PlaceKind.DISTRICT)
    theirs = Department.objects.create(
        code="D-HD-TRANSPORT", name="河东交通局", level="district", place=world.district
    )
    Category.objects.create(
        code="HD07", name="交通运输", level=1, default_department=theirs, district=elsewhere
    )
    train_router(threshold=1.01)
    case = report(world, title="公交车不按时发车")
    with pytest.raises(DomainError):
        services.case_dispatch_suggested(
            actor=world.users["community_staff"], case=case, version=1, label="交通运输"
        )
    case.refresh_from_db()
    assert case.state == CaseState.REPORTED
