"""The pages: the call form from a case and a grid, the whistle page, the phone page, the
department queue's link, the dashboard's table."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from minqing.core.tests.helpers import login, text
from minqing.whistles.models import Whistle, WhistleStatus
from minqing.whistles.selectors import department_figures
from minqing.whistles.services import whistle_arrive, whistle_call, whistle_close, whistle_sweep

T0 = dt.datetime(2026, 3, 2, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def at_t0(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("grid_worker", 200),
        ("community_staff", 200),
        ("subdistrict_staff", 200),
        ("leader", 200),
        ("volunteer", 403),
        ("other_grid_worker", 404),  # the case is out of their sight
        ("water_handler", 404),
        ("nobody", 404),
    ],
)
def test_the_call_form_from_a_case_per_role(client, world, cases, name, status):
    case = cases.in_state("dispatched")
    login(client, world.users[name])
    response = client.get(reverse("whistles:new"), {"case": case.code})
    assert response.status_code == status
    if status == 200:
        assert [c[0] for c in response.context["form"].fields["departments"].choices] == [
            "D-HOUSING",
            "D-WATER",
        ]


def test_the_case_page_offers_the_call_to_those_who_may(client, world, cases):
    case = cases.in_state("dispatched")
    url = reverse("cases:detail", args=[case.code])
    login(client, world.users["grid_worker"])
    assert "Call departments (吹哨)" in text(client.get(url))
    login(client, world.users["volunteer"])
    assert "Call departments (吹哨)" not in text(client.get(url))


def test_calling_from_a_case_then_arriving_and_closing_through_the_pages(
    client, world, cases, at_t0
):
    case = cases.in_state("dispatched")
    login(client, world.users["grid_worker"])
    response = client.post(
        reverse("whistles:new"),
        {"case": case.code, "departments": ["D-WATER"], "minutes": "20", "note": "漏水严重"},
    )
    whistle = Whistle.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("whistles:detail", args=[whistle.pk])
    assert whistle.deadline == T0 + 20 * MINUTE
    page = text(client.get(reverse("cases:detail", args=[case.code])))
    assert "called 水务局 to the site" in page

    login(client, world.users["water_handler"])
    calls = client.get(reverse("whistles:calls"))
    assert calls.status_code == 200
    assert "We are here (报到)" in text(calls)
    [call] = calls.context["calls"]
    at_t0.move_to(T0 + 7 * MINUTE, tick=False)
    response = client.post(reverse("whistles:arrive", args=[call.pk]))
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.arrived_at, call.late) == (T0 + 7 * MINUTE, False)
    # The housing handler's department was not called.
    login(client, world.users["handler"])
    assert client.post(reverse("whistles:arrive", args=[call.pk])).status_code == 404

    close = reverse("whistles:close", args=[whistle.pk])
    login(client, world.users["water_handler"])
    assert client.post(close, {"note": "修好了"}).status_code == 403
    login(client, world.users["grid_worker"])
    assert client.post(close, {"note": ""}).status_code == 400
    response = client.post(close, {"note": "已换管，恢复供水"})
    assert response.url == reverse("cases:detail", args=[case.code])
    whistle.refresh_from_db()
    assert whistle.status == WhistleStatus.CLOSED
    assert "the problem is handled" in text(client.get(reverse("cases:detail", args=[case.code])))


def test_the_field_home_calls_from_the_grid(client, world, at_t0):
    login(client, world.users["grid_worker"])
    home = client.get(reverse("cases:field"))
    assert [g.code for g in home.context["whistle_grids"]] == ["HYNL-G1"]
    form = client.get(reverse("whistles:new"), {"grid": "HYNL-G1"})
    assert form.status_code == 200
    assert client.get(reverse("whistles:new"), {"grid": "HYNL-G2"}).status_code == 404
    response = client.post(
        reverse("whistles:new"), {"grid": "HYNL-G1", "departments": [], "minutes": "30"}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("whistles:new"),
        {"grid": "HYNL-G1", "departments": ["D-HOUSING"], "minutes": "30", "note": "楼门坏"},
    )
    assert response.status_code == 302
    assert [w.place.code for w in client.get(reverse("cases:field")).context["open_whistles"]] == [
        "HYNL-G1"
    ]


@pytest.mark.parametrize(
    ("name", "status"),
    [("handler", 200), ("water_handler", 200), ("grid_worker", 403), ("leader", 403)],
)
def test_the_phone_page_is_for_department_handlers(client, world, name, status):
    login(client, world.users[name])
    assert client.get(reverse("whistles:calls")).status_code == status


def test_the_whistle_page_per_role(client, world, at_t0):
    whistle = whistle_call(
        actor=world.users["grid_worker"], grid=world.grid, departments=[world.water], note="x"
    )
    url = reverse("whistles:detail", args=[whistle.pk])
    for name, status in [
        ("grid_worker", 200),
        ("volunteer", 200),
        ("water_handler", 200),
        ("handler", 404),
        ("other_grid_worker", 404),
    ]:
        login(client, world.users[name])
        response = client.get(url)
        assert response.status_code == status, name
        if status == 200:
            assert (response.context["close_form"] is not None) == (name == "grid_worker")


def test_the_department_queue_links_to_its_calls(client, world, at_t0):
    whistle_call(
        actor=world.users["grid_worker"], grid=world.grid, departments=[world.water], note="x"
    )
    login(client, world.users["water_handler"])
    response = client.get(reverse("cases:department"))
    assert response.context["whistle_calls"] == 1
    assert reverse("whistles:calls") in response.content.decode()


def test_the_dashboard_figures_match_a_hand_count(client, world, at_t0):
    gw = world.users["grid_worker"]
    both = [world.housing, world.water]
    # 1: housing on site after 10 min, water after 40 (late).
    first = whistle_call(actor=gw, grid=world.grid, departments=both, note="1")
    at_t0.move_to(T0 + 10 * MINUTE, tick=False)
    whistle_arrive(actor=world.users["handler"], call=first.calls.get(department=world.housing))
    at_t0.move_to(T0 + 40 * MINUTE, tick=False)
    whistle_arrive(actor=world.users["water_handler"], call=first.calls.get(department=world.water))
    # 2: an hour later, housing after 20 min; water never comes.
    at_t0.move_to(T0 + 60 * MINUTE, tick=False)
    second = whistle_call(actor=gw, grid=world.grid, departments=both, note="2")
    at_t0.move_to(T0 + 80 * MINUTE, tick=False)
    whistle_arrive(actor=world.users["handler"], call=second.calls.get(department=world.housing))
    whistle_sweep(now=T0 + 100 * MINUTE)
    whistle_close(actor=gw, whistle=second, note="done")
    day = dt.timedelta(days=1)
    rows = department_figures(place=world.district, since=T0 - day, until=T0 + day)
    got = {r.department.code: (r.called, r.on_time, r.late, r.mean_minutes) for r in rows}
    assert got == {"D-HOUSING": (2, 2, 0, 15.0), "D-WATER": (2, 0, 2, 40.0)}
    # Outside the period, and outside the place, nothing.
    assert department_figures(place=world.district, since=T0 + day, until=T0 + 2 * day) == []
    assert department_figures(place=world.other_grid, since=T0 - day, until=T0 + day) == []
    login(client, world.users["leader"])
    page = client.get(reverse("dashboards:home"))
    assert page.status_code == 200
    table = text(page)
    assert "水务局 2 0 2 40.0" in table
    assert "老旧房屋改造办 2 2 0 15.0" in table
