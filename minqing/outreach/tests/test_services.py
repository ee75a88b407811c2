"""Evening talks, forums and household-visit rounds: plan, record, close, and their results."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from minqing.cases import services as case_services
from minqing.conftest import make_user
from minqing.lib.errors import Conflict, DomainError
from minqing.outreach.models import SessionStatus
from minqing.outreach.selectors import session_list_for
from minqing.outreach.services import session_close, session_plan, session_record
from minqing.people.models import Role
from minqing.places.models import LiaisonUnit, Place, PlaceKind

pytestmark = pytest.mark.usefixtures("english")

EVENING = dt.datetime(2026, 3, 2, 19, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def talk(world):
    unit = LiaisonUnit.objects.create(code="LU-1", name="区住建委")
    unit.communities.add(world.community)
    return session_plan(
        actor=world.users["community_staff"],
        title="  和平夜话 · 华荫南里  ",
        community=world.community,
        starts_at=EVENING,
        location="社区活动室",
        hosts=[world.users["leader"], world.users["community_staff"]],
        liaison_units=[unit],
    )


def test_planning_a_talk_records_its_hosts_and_liaison_units(world, talk):
    talk.refresh_from_db()
    assert (talk.title, talk.kind, talk.status) == (
        "和平夜话 · 华荫南里",
        "evening_talk",
        SessionStatus.PLANNED,
    )
    assert set(talk.hosts.values_list("username", flat=True)) == {"leader", "cs"}
    assert list(talk.liaison_units.values_list("code", flat=True)) == ["LU-1"]
    assert talk.created_by == world.users["community_staff"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "party"}, "kind", "Unknown kind of session: party."),
        ({"title": "  "}, "title", "Title is required."),
        ({"community": "grid"}, "community", "第一网格 is not a community."),
    ],
)
def test_a_session_plan_with_bad_input_is_refused(world, changes, field, message):
    values = {"title": "座谈会", "community": world.community, "starts_at": EVENING}
    values.update(changes)
    if values["community"] == "grid":
        values["community"] = world.grid
    with pytest.raises(DomainError) as refused:
        session_plan(actor=None, **values)
    assert (refused.value.field, str(refused.value)) == (field, message)


def test_recording_a_talk_marks_it_held(world, talk, time_machine):
    time_machine.move_to(EVENING + dt.timedelta(hours=2), tick=False)
    talk = session_record(actor=None, session=talk, attendance=23, notes=" 居民反映楼门、水管问题 ")
    assert (talk.status, talk.attendance, talk.notes) == (
        SessionStatus.HELD,
        23,
        "居民反映楼门、水管问题",
    )
    assert talk.ends_at == EVENING + dt.timedelta(hours=2)


def test_negative_attendance_is_refused(talk):
    with pytest.raises(DomainError, match=r"^Attendance cannot be negative\.$") as refused:
        session_record(actor=None, session=talk, attendance=-1)
    assert refused.value.field == "attendance"


def test_closing_sets_the_revisit_date_and_a_closed_session_stays_closed(talk):
    talk = session_close(
        actor=None, session=talk, revisit_on=dt.date(2026, 3, 9), notes="一周后回访"
    )
    assert (talk.status, talk.revisit_on, talk.notes) == (
        SessionStatus.CLOSED,
        dt.date(2026, 3, 9),
        "一周后回访",
    )
    with pytest.raises(Conflict, match=r"^This session is already closed\.$"):
        session_record(actor=None, session=talk, attendance=5)
    with pytest.raises(Conflict, match=r"^This session is already closed\.$"):
        session_close(actor=None, session=talk, revisit_on=None)


def test_a_revisit_cannot_come_before_the_session(talk):
    with pytest.raises(DomainError, match=r"^The revisit date cannot be before the session\.$"):
        session_close(actor=None, session=talk, revisit_on=dt.date(2026, 3, 1))
    talk.refresh_from_db()
    assert talk.status == SessionStatus.PLANNED


def test_each_session_counts_the_cases_raised_resolved_and_satisfied(world, cases, talk):
    raised = dict(session=talk, channel="evening_talk")
    satisfied = cases.in_state("resolved", **raised)
    pending_visit = cases.in_state("resolved", **raised)
    unhappy = cases.in_state("resolved", **raised)
    cases.in_state("accepted", **raised)
    cases.in_state("resolved")  # raised elsewhere
    for case, answer in [(satisfied, ("yes", "satisfied")), (unhappy, ("no", "unsatisfied"))]:
        case_services.return_visit_record(
            actor=world.users["grid_worker"],
            visit=case.visits.get(),
            method="in_person",
            solved=answer[0],
            satisfied=answer[1],
        )
    other = session_plan(
        actor=None,
        title="入户走访",
        kind="household_visits",
        community=world.community,
        starts_at=EVENING + dt.timedelta(days=1),
    )
    rows = {s.pk: s for s in session_list_for(world.users["leader"])}
    # Leader is also a host of the talk: being both must not count a case twice.
    assert (rows[talk.pk].raised, rows[talk.pk].resolved, rows[talk.pk].satisfied) == (4, 2, 1)
    assert (rows[other.pk].raised, rows[other.pk].resolved, rows[other.pk].satisfied) == (0, 0, 0)
    assert pending_visit.visits.get().status == "scheduled"


def test_sessions_are_listed_for_the_people_of_their_community(world, talk):
    elsewhere = Place.objects.create(code="120102", name="河东区", kind=PlaceKind.DISTRICT)
    their_leader = make_user("hd", Role.LEADER, place=elsewhere)
    host_from_elsewhere = make_user("guest", Role.LEADER, place=elsewhere)
    talk.hosts.add(host_from_elsewhere)
    for who in ["grid_worker", "other_grid_worker", "community_staff", "subdistrict_staff"]:
        assert [s.pk for s in session_list_for(world.users[who])] == [talk.pk], who
    assert list(session_list_for(their_leader)) == []
    assert [s.pk for s in session_list_for(host_from_elsewhere)] == [talk.pk]
    assert list(session_list_for(world.users["nobody"])) == []


def test_every_write_to_a_talk_is_in_its_history_with_who_did_it(world, talk):
    staff, cadre = world.users["community_staff"], world.users["agency_cadre"]
    session_record(actor=cadre, session=talk, attendance=18)
    session_close(actor=staff, session=talk, revisit_on=dt.date(2026, 3, 9))
    history = [(e.action, e.actor, e.data) for e in talk.events.order_by("at", "pk")]
    assert history == [
        ("plan", staff, {"starts_at": EVENING.isoformat()}),
        ("record", cadre, {"attendance": 18}),
        ("close", staff, {"revisit_on": "2026-03-09"}),
    ]
    with pytest.raises(RuntimeError):
        talk.events.first().save()
