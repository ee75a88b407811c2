"""Evening talks: plan, run (cases, attendance), close; the list with solve rates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.api.tests.helpers import ApiClient
from minqing.core.tests.helpers import login, text
from minqing.lib.errors import NotAllowed
from minqing.outreach import services
from minqing.outreach.models import OutreachSession, SessionStatus
from minqing.places.models import LiaisonUnit, Place, PlaceKind


@pytest.fixture
def talk(world):
    return services.session_plan(
        actor=world.users["community_staff"],
        title="和平夜话·华荫南里社区",
        community=world.community,
        starts_at=timezone.now() - timedelta(hours=2),
        location="党群服务中心",
    )


def test_plan_a_talk(client, world):
    unit = LiaisonUnit.objects.create(code="L-H", name="区住建委机关")
    unit.communities.add(world.community)
    login(client, world.users["community_staff"])
    page = client.get(reverse("outreach:plan"))
    assert page.status_code == 200
    form = page.context["form"]
    assert [c for c, _ in form.fields["community"].choices] == ["HYNL"]
    assert ("L-H", "区住建委机关") in form.fields["liaison_units"].choices
    host = world.users["agency_cadre"]
    response = client.post(
        reverse("outreach:plan"),
        {
            "kind": "evening_talk",
            "title": "和平夜话",
            "community": "HYNL",
            "starts_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT19:00"),
            "location": "党群服务中心",
            "hosts": [str(host.pk)],
            "liaison_units": ["L-H"],
        },
    )
    session = OutreachSession.objects.get()
    assert response["Location"] == reverse("outreach:detail", args=[session.pk])
    assert list(session.hosts.all()) == [host]
    assert list(session.liaison_units.all()) == [unit]
    assert session.created_by == world.users["community_staff"]


def test_plan_errors_are_next_to_the_field(client, world):
    login(client, world.users["community_staff"])
    response = client.post(reverse("outreach:plan"), {"kind": "evening_talk", "title": ""})
    assert response.status_code == 400
    assert {"title", "starts_at"} <= set(response.context["form"].errors)


def test_run_and_close_a_talk(client, world, cases, talk):
    cases.report(session=talk)
    cases.in_state("closed", session=talk)
    login(client, world.users["community_staff"])
    page = client.get(reverse("outreach:detail", args=[talk.pk]))
    assert page.status_code == 200
    assert len(page.context["cases"]) == 2
    assert page.context["solve_rate"] == 0.5
    assert f"?session={talk.pk}" in page.content.decode()  # quick-add link
    assert page.context["close_form"] is None  # not held yet
    bad = client.post(reverse("outreach:record", args=[talk.pk]), {"attendance": "-3"})
    assert bad.status_code == 400
    client.post(reverse("outreach:record", args=[talk.pk]), {"attendance": 23, "notes": "楼门"})
    talk.refresh_from_db()
    assert (talk.attendance, talk.status) == (23, SessionStatus.HELD)
    early = (talk.starts_at - timedelta(days=3)).date().isoformat()
    bad = client.post(reverse("outreach:close", args=[talk.pk]), {"revisit_on": early})
    assert bad.status_code == 400
    assert "revisit_on" in bad.context["close_form"].errors
    later = (talk.starts_at + timedelta(days=7)).date().isoformat()
    client.post(reverse("outreach:close", args=[talk.pk]), {"revisit_on": later, "notes": "好"})
    talk.refresh_from_db()
    assert talk.status == SessionStatus.CLOSED
    page = client.get(reverse("outreach:detail", args=[talk.pk]))
    assert page.context["record_form"] is None and page.context["close_form"] is None
    again = client.post(reverse("outreach:close", args=[talk.pk]), {"revisit_on": later})
    assert again.status_code == 302  # "already closed" as a message


def test_the_list_shows_solve_rates(client, world, cases, talk):
    cases.in_state("closed", session=talk)
    cases.in_state("reported", session=talk)
    login(client, world.users["grid_worker"])
    response = client.get(reverse("outreach:list"))
    row = response.context["page"].object_list[0]
    assert (row.raised, row.resolved, row.solve_rate) == (2, 1, 0.5)
    assert "50.0%" in text(response)
    assert (
        client.get(reverse("outreach:list"), {"status": "closed"}).context["page"].paginator.count
        == 0
    )


def test_talks_by_role_and_scope(client, world, talk):
    other = Place.objects.create(
        code="OTHER", name="别的社区", kind=PlaceKind.COMMUNITY, parent=world.street
    )
    elsewhere = services.session_plan(
        actor=None, title="夜话", community=other, starts_at=timezone.now()
    )
    login(client, world.users["handler"])
    assert client.get(reverse("outreach:list")).status_code == 403
    login(client, world.users["grid_worker"])
    assert client.get(reverse("outreach:detail", args=[talk.pk])).status_code == 200
    assert client.get(reverse("outreach:detail", args=[elsewhere.pk])).status_code == 404
    assert (
        client.post(reverse("outreach:record", args=[elsewhere.pk]), {"attendance": 1}).status_code
        == 404
    )
    login(client, world.users["subdistrict_staff"])
    assert client.get(reverse("outreach:detail", args=[elsewhere.pk])).status_code == 200
    login(client, world.users["nobody"])
    assert client.get(reverse("outreach:plan")).status_code == 403


def test_a_volunteer_sees_a_talk_but_does_not_run_it(client, world, talk):
    """Issue 14: the web saved a volunteer's attendance (the API refused it) and showed them
    the plan page. The service decides now, so every door answers the same."""
    volunteer = world.users["volunteer"]
    login(client, volunteer)
    page = client.get(reverse("outreach:detail", args=[talk.pk]))
    assert page.status_code == 200
    assert page.context["record_form"] is None
    assert client.get(reverse("outreach:plan")).status_code == 403
    web = client.post(reverse("outreach:record", args=[talk.pk]), {"attendance": 30})
    assert web.status_code == 403
    door = ApiClient(volunteer).post(f"/sessions/{talk.pk}/record", {"attendance": 30})
    assert door.status_code == 403
    talk.refresh_from_db()
    assert (talk.status, talk.attendance) == (SessionStatus.PLANNED, 0)
    with pytest.raises(NotAllowed):
        services.session_record(actor=volunteer, session=talk, attendance=30)
    # The agency cadre of the grid runs it.
    services.session_record(actor=world.users["agency_cadre"], session=talk, attendance=30)
