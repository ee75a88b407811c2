"""吹哨报到: who may call, which departments, who reports arrival, closing, and the sweep with
frozen time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from minqing.cases.integrity import check_integrity
from minqing.cases.models import Case
from minqing.cases.tick import TickResult, tick
from minqing.cases.timeline import public_timeline, staff_timeline
from minqing.lib.errors import Conflict, DomainError, NotAllowed
from minqing.notify.models import OutboxMessage
from minqing.places.models import Department
from minqing.whistles.models import Whistle, WhistleCall, WhistleStatus
from minqing.whistles.services import whistle_arrive, whistle_call, whistle_close, whistle_sweep

pytestmark = pytest.mark.usefixtures("english")

T0 = dt.datetime(2026, 3, 2, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def at_t0(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def call_from_grid(world, **kwargs):
    values = {
        "actor": world.users["grid_worker"],
        "grid": world.grid,
        "departments": [world.housing, world.water],
        "note": "义顺里7号楼门坏了，需要现场处置",
    }
    return whistle_call(**(values | kwargs))


def topics() -> list[str]:
    return list(OutboxMessage.objects.order_by("pk").values_list("topic", flat=True))


@pytest.mark.parametrize("name", ["grid_worker", "community_staff", "subdistrict_staff", "leader"])
def test_the_grid_worker_and_the_desks_above_may_call_departments(world, at_t0, name):
    whistle = call_from_grid(world, actor=world.users[name])
    assert (whistle.status, whistle.called_at, whistle.level) == (WhistleStatus.OPEN, T0, "grid")
    assert whistle.deadline == T0 + 30 * MINUTE  # the default
    assert sorted(whistle.calls.values_list("department__code", flat=True)) == [
        "D-HOUSING",
        "D-WATER",
    ]
    # Each called department is told.
    called = OutboxMessage.objects.filter(topic="whistle.called")
    assert sorted(m.payload["department"] for m in called) == ["D-HOUSING", "D-WATER"]


@pytest.mark.parametrize(
    "name", ["other_grid_worker", "volunteer", "agency_cadre", "handler", "nobody"]
)
def test_others_may_not_call_departments(world, name):
    with pytest.raises(NotAllowed):
        call_from_grid(world, actor=world.users[name])
    assert not Whistle.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_the_deadline_is_configurable(world, at_t0, settings):
    settings.MINQING_WHISTLE_MINUTES = 45
    assert call_from_grid(world).deadline == T0 + 45 * MINUTE
    assert call_from_grid(world, minutes=10).deadline == T0 + 10 * MINUTE
    with pytest.raises(DomainError) as e:
        call_from_grid(world, minutes=0)
    assert e.value.field == "minutes"


def test_the_departments_must_serve_the_place(world):
    elsewhere = world.district.__class__.objects.create(
        code="120102", name="河东区", kind="district", short="HD"
    )
    stranger = Department.objects.create(
        code="D-HD-WATER", name="河东水务", level="district", place=elsewhere
    )
    with pytest.raises(DomainError, match="河东水务 does not serve") as e:
        call_from_grid(world, departments=[world.housing, stranger])
    assert e.value.field == "departments"
    with pytest.raises(DomainError, match="at least one department"):
        call_from_grid(world, departments=[])
    assert not Whistle.objects.exists()


def test_a_call_names_a_case_or_a_grid_and_a_grid_call_says_what_is_wrong(world, cases):
    case = cases.in_state("dispatched")
    with pytest.raises(DomainError):
        call_from_grid(world, case=case)
    with pytest.raises(DomainError, match="what the problem is"):
        call_from_grid(world, note=" ")
    with pytest.raises(DomainError, match="Choose a grid"):
        call_from_grid(world, grid=world.community)


def test_a_call_from_a_case_is_in_its_history_without_changing_it(world, cases, at_t0):
    case = cases.in_state("dispatched")
    version = case.version
    whistle = whistle_call(
        actor=world.users["community_staff"], case=case, departments=[world.water], note=""
    )
    case = Case.objects.get(pk=case.pk)
    assert (whistle.place, whistle.level, case.version) == (case.place, case.level, version)
    event = case.events.order_by("seq").last()
    assert (event.action, event.actor, event.to_state) == (
        "whistle",
        world.users["community_staff"],
        case.state,
    )
    assert staff_timeline([event])[0].text == (
        "cs called 水务局 to the site, to arrive by 2026-03-02 20:30."
    )
    assert public_timeline([event])[0].text == "The departments concerned were called to the site."
    assert list(check_integrity()) == []


def test_a_case_no_longer_open_cannot_call_anyone(world, cases):
    case = cases.in_state("rejected")
    with pytest.raises(Conflict):
        whistle_call(actor=world.users["grid_worker"], case=case, departments=[world.water])
    assert not Whistle.objects.exists()


def test_only_a_handler_of_the_called_department_reports_its_arrival(world, cases, at_t0):
    case = cases.in_state("dispatched")  # with housing; the water department is called too
    whistle = whistle_call(
        actor=world.users["grid_worker"], case=case, departments=[world.water], note="漏水"
    )
    call = whistle.calls.get()
    for name in ["handler", "grid_worker", "community_staff", "nobody"]:
        with pytest.raises(NotAllowed):
            whistle_arrive(actor=world.users[name], call=call)
    at_t0.move_to(T0 + 12 * MINUTE, tick=False)
    done = whistle_arrive(actor=world.users["water_handler"], call=call)
    assert (done.arrived_at, done.arrived_by, done.late) == (
        T0 + 12 * MINUTE,
        world.users["water_handler"],
        False,
    )
    with pytest.raises(Conflict, match="already reported"):
        whistle_arrive(actor=world.users["water_handler"], call=call)
    event = Case.objects.get(pk=case.pk).events.order_by("seq").last()
    assert (event.action, event.actor) == ("whistle_arrive", world.users["water_handler"])
    assert staff_timeline([event])[0].text == "wh of 水务局 reported on site (in time)."
    assert "whistle.arrived" in topics()


def test_an_arrival_after_the_deadline_is_late(world, at_t0):
    call = call_from_grid(world, departments=[world.water]).calls.get()
    at_t0.move_to(T0 + 31 * MINUTE, tick=False)
    assert whistle_arrive(actor=world.users["water_handler"], call=call).late is True


def test_only_the_callers_side_closes_an_open_call_once_the_problem_is_handled(world, cases, at_t0):
    case = cases.in_state("dispatched")
    whistle = whistle_call(actor=world.users["grid_worker"], case=case, departments=[world.water])
    for name in ["water_handler", "other_grid_worker", "volunteer"]:
        with pytest.raises(NotAllowed):
            whistle_close(actor=world.users[name], whistle=whistle, note="修好了")
    with pytest.raises(DomainError, match="how the problem was handled"):
        whistle_close(actor=world.users["grid_worker"], whistle=whistle, note="")
    at_t0.move_to(T0 + 50 * MINUTE, tick=False)
    closed = whistle_close(actor=world.users["community_staff"], whistle=whistle, note="已关阀换管")
    assert (closed.status, closed.closed_at, closed.closed_by, closed.close_note) == (
        WhistleStatus.CLOSED,
        T0 + 50 * MINUTE,
        world.users["community_staff"],
        "已关阀换管",
    )
    with pytest.raises(Conflict, match="closed already"):
        whistle_close(actor=world.users["grid_worker"], whistle=whistle, note="again")
    # Once closed, nobody reports on site any more.
    with pytest.raises(Conflict, match="is closed"):
        whistle_arrive(actor=world.users["water_handler"], call=whistle.calls.get())
    events = list(Case.objects.get(pk=case.pk).events.order_by("seq"))
    assert [e.action for e in events[-2:]] == ["whistle", "whistle_close"]
    assert "whistle_close" not in [line.action for line in public_timeline(events)]
    assert topics()[-1] == "whistle.closed"
    assert list(check_integrity()) == []


# --- the sweep, with frozen time ------------------------------------------------------------


def test_a_department_not_on_site_by_the_deadline_is_flagged_and_the_level_above_told(world, at_t0):
    whistle = call_from_grid(world)
    housing = whistle.calls.get(department=world.housing)
    water = whistle.calls.get(department=world.water)
    at_t0.move_to(T0 + 20 * MINUTE, tick=False)
    whistle_arrive(actor=world.users["handler"], call=housing)
    at_t0.move_to(T0 + 30 * MINUTE, tick=False)  # the deadline itself is still in time
    assert whistle_sweep(now=T0 + 30 * MINUTE) == 0
    at_t0.move_to(T0 + 31 * MINUTE, tick=False)
    assert whistle_sweep(now=T0 + 31 * MINUTE) == 1
    assert whistle_sweep(now=T0 + 31 * MINUTE) == 0  # idempotent
    water.refresh_from_db()
    housing.refresh_from_db()
    assert (water.late, housing.late) == (True, False)
    [message] = OutboxMessage.objects.filter(topic="whistle.late")
    assert message.payload | {"at": ""} == {
        "whistle": whistle.pk,
        "department": "D-WATER",
        "case": "",
        "level": "community",  # the grid called; the community is told
        "place": "HYNL",
        "deadline": "2026-03-02T20:30:00+08:00",
        "at": "",
    }
    # Late is better than never: the department still reports, and stays counted late.
    assert whistle_arrive(actor=world.users["water_handler"], call=water).late is True


def test_the_periodic_sweep_covers_whistles(world, at_t0, capsys):
    call_from_grid(world)
    at_t0.move_to(T0 + 2 * dt.timedelta(hours=1), tick=False)
    assert tick() == TickResult(whistle_calls_late=2)
    assert tick() == TickResult()
    call_from_grid(world, departments=[world.water])
    at_t0.move_to(T0 + 3 * dt.timedelta(hours=1), tick=False)
    call_command("tick")
    assert capsys.readouterr().out.strip().endswith("late whistle calls: 1")


def test_a_call_closed_before_its_deadline_leaves_nobody_late(world, at_t0):
    whistle = call_from_grid(world)
    at_t0.move_to(T0 + 10 * MINUTE, tick=False)
    whistle_close(actor=world.users["grid_worker"], whistle=whistle, note="居民自行修好")
    assert whistle_sweep(now=T0 + 60 * MINUTE) == 0
    assert not WhistleCall.objects.filter(late=True).exists()


def test_a_whistle_on_an_escalated_case_tells_the_level_above_the_case(world, cases, at_t0):
    case = cases.in_state("dispatched", level="community")
    whistle_call(actor=world.users["community_staff"], case=case, departments=[world.water])
    assert whistle_sweep(now=T0 + 31 * MINUTE) == 1
    [message] = OutboxMessage.objects.filter(topic="whistle.late")
    assert (message.payload["level"], message.payload["place"], message.payload["case"]) == (
        "subdistrict",
        "WDD",
        case.code,
    )
