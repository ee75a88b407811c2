"""Case selectors return only what the acting person may see."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from minqing.cases import services
from minqing.cases.models import Case
from minqing.cases.selectors import case_get_for, case_list_for, case_track, open_cases_for
from minqing.conftest import make_user
from minqing.lib.errors import NotFound
from minqing.people.models import Membership, Role, User
from minqing.places.models import Place, PlaceKind

pytestmark = pytest.mark.usefixtures("english")


@dataclass
class Scene:
    grid1: Case  # building 7, grid 1, reported
    grid1_housing: Case  # grid 1, with the housing department
    grid2: Case  # building 20, grid 2, accepted
    grid2_water: Case  # grid 2, with the water department
    elsewhere: Case  # another district altogether
    elsewhere_leader: User


@pytest.fixture
def scene(world, cases) -> Scene:
    other_district = Place.objects.create(
        code="120102", name="河东区", kind=PlaceKind.DISTRICT, short="HD"
    )
    street = Place.objects.create(
        code="DW", name="大王庄街", kind=PlaceKind.SUBDISTRICT, parent=other_district
    )
    community = Place.objects.create(
        code="DW-C1", name="某社区", kind=PlaceKind.COMMUNITY, parent=street
    )
    grid = Place.objects.create(
        code="DW-C1-G1", name="一网格", kind=PlaceKind.GRID, parent=community
    )
    their_leader = make_user("hd-leader", Role.LEADER, place=other_district)
    return Scene(
        grid1=cases.in_state("reported"),
        grid1_housing=cases.in_state("in_progress"),
        grid2=cases.in_state("accepted", place=world.other_building),
        grid2_water=cases.in_state(
            "dispatched", place=world.other_building, department=world.water
        ),
        elsewhere=cases.report(actor=their_leader, place=grid),
        elsewhere_leader=their_leader,
    )


def codes(qs) -> set[str]:
    return set(qs.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("grid_worker", {"grid1", "grid1_housing"}),
        ("agency_cadre", {"grid1", "grid1_housing"}),
        ("volunteer", {"grid1", "grid1_housing"}),
        ("other_grid_worker", {"grid2", "grid2_water"}),
        ("community_staff", {"grid1", "grid1_housing", "grid2", "grid2_water"}),
        ("subdistrict_staff", {"grid1", "grid1_housing", "grid2", "grid2_water"}),
        ("leader", {"grid1", "grid1_housing", "grid2", "grid2_water"}),
        ("handler", {"grid1_housing"}),
        ("water_handler", {"grid2_water"}),
        ("nobody", set()),
    ],
)
def test_each_role_sees_only_its_own_cases(world, scene, who, sees):
    user = world.users[who]
    expected = {getattr(scene, name).code for name in sees}
    assert codes(case_list_for(user)) == expected
    for name in ("grid1", "grid1_housing", "grid2", "grid2_water", "elsewhere"):
        case = getattr(scene, name)
        if case.code in expected:
            assert case_get_for(user, case.code).pk == case.pk
        else:
            with pytest.raises(NotFound):
                case_get_for(user, case.code)


def test_a_leader_sees_their_own_district_only(world, scene):
    assert codes(case_list_for(scene.elsewhere_leader)) == {scene.elsewhere.code}
    assert scene.elsewhere.code not in codes(case_list_for(world.users["leader"]))


def test_a_superuser_sees_everything(world, scene):
    root = User.objects.create_superuser("root", password="pw")
    assert codes(case_list_for(root)) == codes(Case.objects.all())


def test_a_person_sent_a_case_still_sees_it_after_leaving_the_grid(world, scene):
    # A case goes only to someone of its own team (case_dispatch checks); once it is theirs,
    # it stays in their sight even if their membership ends while they work on it.
    worker = world.users["other_grid_worker"]
    helper = make_user("vol2", Role.VOLUNTEER, place=world.other_grid)
    case = services.case_dispatch(
        actor=worker, case=scene.grid2, version=scene.grid2.version, assignee=helper
    )
    Membership.objects.filter(user=helper).update(active=False)
    helper = User.objects.get(pk=helper.pk)  # a new request: memberships read afresh
    assert codes(case_list_for(helper)) == {case.code}
    assert case_get_for(helper, case.code).pk == case.pk


def test_a_department_loses_sight_of_a_case_it_sent_back(world, scene):
    handler = world.users["water_handler"]
    case = scene.grid2_water
    services.case_send_back(actor=handler, case=case, version=case.version, reason="非本部门")
    assert not case_list_for(handler).exists()
    with pytest.raises(NotFound):
        case_get_for(handler, case.code)


def test_a_case_out_of_scope_looks_exactly_like_one_that_does_not_exist(world, scene):
    user = world.users["grid_worker"]
    with pytest.raises(NotFound) as hidden:
        case_get_for(user, scene.grid2.code)
    with pytest.raises(NotFound) as missing:
        case_get_for(user, "HP-9912-9999")
    assert str(hidden.value) == f"No case {scene.grid2.code} that you can see."
    assert str(missing.value) == "No case HP-9912-9999 that you can see."
    assert hidden.value.code == missing.value.code == "not_found"


def test_the_list_filters_within_what_the_user_may_see(world, scene):
    leader = world.users["leader"]
    assert codes(case_list_for(leader, state="accepted")) == {scene.grid2.code}
    assert codes(case_list_for(leader, state=["reported", "in_progress"])) == {
        scene.grid1.code,
        scene.grid1_housing.code,
    }
    assert codes(case_list_for(leader, category=world.pipes)) == set()
    # A first-level category finds the cases filed under its leaves.
    assert len(codes(case_list_for(leader, category=world.door.top))) == 4
    assert codes(case_list_for(leader, place_path=world.other_grid.path)) == {
        scene.grid2.code,
        scene.grid2_water.code,
    }
    assert codes(case_list_for(leader, search=scene.grid2.code.lower())) == {scene.grid2.code}
    assert codes(case_list_for(world.users["grid_worker"], search=scene.grid2.code)) == set()
    assert codes(case_list_for(leader, overdue=True)) == set()
    assert codes(open_cases_for(world.users["handler"])) == {scene.grid1_housing.code}


# --- the public look-up --------------------------------------------------------------------


def test_a_resident_tracks_a_case_with_its_code_and_the_last_four_digits(world, scene):
    case = scene.grid1  # reported with 13812345678
    assert case_track(case.code, "5678").pk == case.pk
    assert case_track(f"  {case.code.lower()} ", " 5678 ").pk == case.pk


@pytest.mark.parametrize(
    ("code", "digits"),
    [
        ("right", "1234"),  # wrong digits
        ("right", "678"),  # too few
        ("right", "45678"),  # too many
        ("right", ""),
        ("HP-9912-9999", "5678"),  # no such case
    ],
)
def test_a_wrong_look_up_gets_one_neutral_message(world, scene, code, digits):
    code = scene.grid1.code if code == "right" else code
    with pytest.raises(NotFound) as refused:
        case_track(code, digits)
    assert str(refused.value) == "No case matches this code and these digits."


def test_a_case_reported_without_a_phone_cannot_be_tracked(world, cases):
    case = cases.report(reporter_phone="")
    with pytest.raises(NotFound, match=re.escape("No case matches this code and these digits.")):
        case_track(case.code, "0000")
