"""Duplicate suggestions at intake (one fix for many): open cases of the same community within
30 days whose words are alike, each with its reasons, merged into a batch in one step."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from minqing.cases import services
from minqing.cases.duplicates import case_duplicates_for, duplicates_for
from minqing.cases.integrity import check_integrity
from minqing.cases.models import Batch, CaseState
from minqing.core.tests.helpers import login, text
from minqing.lib import clock
from minqing.lib.errors import Conflict
from minqing.places.models import Place, PlaceKind

pytestmark = pytest.mark.usefixtures("english")

T0 = datetime(2026, 3, 2, 19, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
DOOR = ("义顺里7号楼门关不上", "楼门老化变形，晚上关不严，外人随意进出。")
DOOR_AGAIN = ("7号楼单元门又关不上了", "楼门变形关不严，晚上外人进出，老人害怕。")
PIPES = ("自来水发黄", "早上放出来的水是黄的，水管用了三十年。")


def report(cases, words, *, at=T0, **more):
    title, description = words
    with clock.at(at):
        return cases.report(title=title, description=description, **more)


def codes(found) -> list[str]:
    return [d.case.code for d in found]


def test_an_open_case_in_the_same_building_with_like_words_is_suggested_with_its_reasons(
    world, cases
):
    first = report(cases, DOOR)
    report(cases, PIPES)
    second = report(cases, DOOR_AGAIN, at=T0 + timedelta(days=3))
    [found] = case_duplicates_for(world.users["grid_worker"], second)
    assert found.case == first
    assert found.same_building and found.place == "building"
    assert "楼门" in found.shared_words
    assert 0.3 <= found.score <= 1.0
    # And the other way round: the earlier case points at the later one.
    assert codes(case_duplicates_for(world.users["grid_worker"], first)) == [second.code]


def test_a_case_in_another_building_of_the_community_is_suggested_as_same_community(world, cases):
    first = report(cases, DOOR, place=world.other_building)
    second = report(cases, DOOR_AGAIN)
    [found] = case_duplicates_for(world.users["community_staff"], second)
    assert found.case == first
    assert not found.same_building and found.place == "community"


def test_other_communities_closed_cases_and_old_cases_are_not_suggested(world, cases):
    elsewhere = Place.objects.create(
        code="MYXL", name="民园西里社区", kind=PlaceKind.COMMUNITY, parent=world.street
    )
    grid = Place.objects.create(
        code="MYXL-G1", name="一网格", kind=PlaceKind.GRID, parent=elsewhere
    )
    building = Place.objects.create(
        code="MYXL-G1-B01", name="民园西里1号", kind=PlaceKind.BUILDING, parent=grid
    )
    report(cases, DOOR, place=building, actor=world.users["leader"])
    closed = cases.in_state("closed", title=DOOR[0], description=DOOR[1])
    rejected = cases.in_state("rejected", title=DOOR[0], description=DOOR[1])
    old = report(cases, DOOR, at=T0 - timedelta(days=31))
    new = report(cases, DOOR_AGAIN, at=T0)
    found = codes(case_duplicates_for(world.users["leader"], new))
    assert found == [], found
    assert {closed.state, rejected.state} == {CaseState.CLOSED, CaseState.REJECTED}
    assert old.state == CaseState.REPORTED  # open, but 31 days before the new one


def test_the_index_follows_cases_as_they_close_and_as_new_ones_arrive(world, cases):
    user = world.users["grid_worker"]
    first = report(cases, DOOR)
    assert codes(duplicates_for(user, place=world.building, text=DOOR_AGAIN[0], created=T0)) == [
        first.code
    ]
    with clock.at(T0):
        services.case_reject(actor=user, case=first, version=first.version, reason="重复反映")
    assert duplicates_for(user, place=world.building, text=DOOR_AGAIN[0], created=T0) == []
    second = report(cases, DOOR)
    assert codes(duplicates_for(user, place=world.building, text=DOOR_AGAIN[0], created=T0)) == [
        second.code
    ]


def test_only_cases_the_user_may_see_are_suggested(world, cases):
    first = report(cases, DOOR, place=world.other_building)
    second = report(cases, DOOR_AGAIN)
    assert case_duplicates_for(world.users["grid_worker"], second) == []
    assert codes(case_duplicates_for(world.users["community_staff"], second)) == [first.code]


def test_one_step_merge_puts_both_cases_into_a_new_batch(world, cases):
    first = report(cases, DOOR)
    second = report(cases, DOOR_AGAIN, at=T0 + timedelta(hours=2))
    batch = services.batch_merge(actor=world.users["grid_worker"], case=second, duplicate=first)
    assert batch.title == first.title  # named after the earlier report
    assert set(batch.cases.values_list("code", flat=True)) == {first.code, second.code}
    assert list(check_integrity()) == []


def test_one_step_merge_joins_the_batch_the_duplicate_is_in(world, cases):
    first = report(cases, DOOR)
    batch = services.batch_create(actor=world.users["grid_worker"], title="整片换门", cases=[first])
    second = report(cases, DOOR_AGAIN)
    assert services.batch_merge(actor=world.users["grid_worker"], case=second, duplicate=first) == (
        batch
    )
    assert batch.cases.count() == 2
    second.refresh_from_db()
    # Both in one batch now: the pair is no longer suggested, and merging again is refused.
    assert case_duplicates_for(world.users["grid_worker"], second) == []
    with pytest.raises(Conflict):
        services.batch_merge(actor=world.users["grid_worker"], case=second, duplicate=first)


def test_the_case_page_explains_each_duplicate_and_merges_in_one_step(client, world, cases):
    first = report(cases, DOOR)
    second = report(cases, DOOR_AGAIN)
    login(client, world.users["grid_worker"])
    page = client.get(reverse("cases:detail", args=[second.code]))
    body = text(page)
    assert "Possibly the same problem" in body
    assert first.code in body
    assert "Same building: 义顺里7号" in body
    assert "shared words: " in body and "楼门" in body
    assert "Merge both into a batch" in body
    response = client.post(reverse("cases:merge_with", args=[second.code]), {"other": first.code})
    assert response.status_code == 302
    batch = Batch.objects.get()
    assert set(batch.cases.values_list("code", flat=True)) == {first.code, second.code}
    page = client.get(response["Location"])
    assert f"{second.code} and {first.code} are in batch {batch.code} now." in text(page)
    assert "Possibly the same problem" not in text(page)


def test_who_may_not_merge_sees_the_duplicates_without_the_button(client, world, cases):
    report(cases, DOOR)
    second = report(cases, DOOR_AGAIN)
    login(client, world.users["volunteer"])
    body = text(client.get(reverse("cases:detail", args=[second.code])))
    assert "Possibly the same problem" in body
    assert "Merge both into a batch" not in body
    first_code = case_duplicates_for(world.users["volunteer"], second)[0].case.code
    response = client.post(reverse("cases:merge_with", args=[second.code]), {"other": first_code})
    assert response.status_code == 302
    assert not Batch.objects.exists()


def test_capture_shows_duplicates_while_the_problem_is_typed(client, world, cases):
    first = report(cases, DOOR)
    login(client, world.users["grid_worker"])
    capture = client.get(reverse("cases:capture")).content.decode()
    assert reverse("cases:duplicates") in capture
    with clock.at(T0 + timedelta(hours=1)):
        fragment = client.get(
            reverse("cases:duplicates"),
            {"place": world.building.code, "title": DOOR_AGAIN[0], "description": DOOR_AGAIN[1]},
        )
    assert fragment.status_code == 200
    body = text(fragment)
    assert first.code in body and "Same building" in body
    assert "you may not need to record it again" in body
    assert "Merge" not in body  # nothing to merge before the case exists
    empty = client.get(reverse("cases:duplicates"), {"place": world.building.code, "title": ""})
    assert text(empty) == ""


def test_the_duplicates_fragment_needs_a_log_in(client, world):
    response = client.get(reverse("cases:duplicates"), {"place": "HYNL-G1-B07", "title": "楼门"})
    assert response.status_code == 302 and "login" in response["Location"]
