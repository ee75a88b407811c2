"""Contact cards and the 1+2+N team report."""

from __future__ import annotations

import pytest

from minqing.conftest import make_user
from minqing.people.models import Membership, Role
from minqing.people.selectors import contact_card_for, team_problem_lines, team_report
from minqing.places.models import Place, PlaceKind

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def team(world):
    """Grid 1's team gets phones and WeChat ids; building 7 gets a building head."""
    for name, phone, wechat in [
        ("grid_worker", "13900000001", "gw_wx"),
        ("agency_cadre", "13900000002", ""),
        ("street_cadre", "13900000003", "sc_wx"),
    ]:
        user = world.users[name]
        user.phone, user.wechat_id = phone, wechat
        user.save(update_fields=["phone", "wechat_id"])
    head = make_user("head", Role.BUILDING_HEAD, place=world.building, on_call="8:00–22:00")
    head.phone = "13900000009"
    head.save(update_fields=["phone"])
    # Someone who has left the team no longer appears.
    make_user("gone", Role.GRID_WORKER, place=world.grid, active=False)
    return world


def test_a_buildings_card_lists_its_grid_team_and_building_head(team):
    card = contact_card_for(team.building)
    assert card.grid == team.grid
    lines = [(c.name, c.role, c.phone, c.wechat_id, c.on_call) for c in card.lines]
    assert lines == [
        ("gw", Role.GRID_WORKER, "13900000001", "gw_wx", "24 h"),
        ("ac", Role.AGENCY_CADRE, "13900000002", "", "24 h"),
        ("sc", Role.STREET_CADRE, "13900000003", "sc_wx", "24 h"),
        ("head", Role.BUILDING_HEAD, "13900000009", "", "8:00–22:00"),
    ]
    assert [c.role_label for c in card.lines] == [
        "Grid worker",
        "Agency cadre",
        "Sub-district cadre",
        "Building head",
    ]


def test_a_grids_card_lists_the_team_without_any_buildings_head(team):
    card = contact_card_for(team.grid)
    assert [c.name for c in card.lines] == ["gw", "ac", "sc"]


def test_another_grids_building_shows_that_grids_team(team):
    card = contact_card_for(team.other_building)
    assert (card.grid, [c.name for c in card.lines]) == (team.other_grid, ["gw2"])


def test_the_team_report_flags_an_incomplete_team_and_names_what_is_missing(world):
    report = {s.grid.code: s for s in team_report()}
    assert set(report) == {"HYNL-G1", "HYNL-G2"}
    complete, incomplete = report["HYNL-G1"], report["HYNL-G2"]
    assert complete.complete and complete.missing == []
    assert complete.helpers == 1  # the volunteer
    assert not incomplete.complete
    assert incomplete.missing == ["Agency cadre", "Sub-district cadre"]
    assert team_problem_lines(list(report.values())) == [
        "和平区 五大道街 华荫南里社区 第二网格 lacks: Agency cadre, Sub-district cadre"
    ]


def test_a_team_is_complete_once_its_cadres_join_and_inactive_members_do_not_count(world):
    make_user("ac2", Role.AGENCY_CADRE, place=world.other_grid)
    make_user("sc2", Role.STREET_CADRE, place=world.other_grid, active=False)
    status = {s.grid.code: s for s in team_report()}["HYNL-G2"]
    assert status.missing == ["Sub-district cadre"]
    Membership.objects.filter(user__username="sc2").update(active=True)
    assert all(s.complete for s in team_report())


def test_the_team_report_can_be_limited_to_part_of_the_tree(world):
    other = Place.objects.create(code="120102", name="河东区", kind=PlaceKind.DISTRICT)
    street = Place.objects.create(code="X", name="街", kind=PlaceKind.SUBDISTRICT, parent=other)
    community = Place.objects.create(
        code="X-C", name="社区", kind=PlaceKind.COMMUNITY, parent=street
    )
    Place.objects.create(code="X-G", name="网格", kind=PlaceKind.GRID, parent=community)
    assert [s.grid.code for s in team_report(within=other)] == ["X-G"]
    assert [s.grid.code for s in team_report(within=world.district)] == ["HYNL-G1", "HYNL-G2"]
    assert team_report(within=other)[0].missing == [
        "Grid worker",
        "Agency cadre",
        "Sub-district cadre",
    ]
