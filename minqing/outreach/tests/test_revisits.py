"""A talk closed with a come-back date puts a reminder on its hosts' home pages until the
follow-up is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from minqing.core.tests.helpers import login, text
from minqing.lib.errors import Conflict
from minqing.outreach import services
from minqing.outreach.selectors import REVISIT_AHEAD_DAYS, revisits_due_for

pytestmark = pytest.mark.usefixtures("english")

DAY = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localtime().date()


@pytest.fixture
def talk_for(world):
    """``talk_for(revisit_on, hosts=…)``: a talk held ten days ago and closed with that
    come-back date (``None``: closed without one)."""

    def make(revisit_on, *, hosts=("grid_worker",), title="和平夜话", close=True):
        session = services.session_plan(
            actor=world.users["community_staff"],
            title=title,
            community=world.community,
            starts_at=timezone.now() - 10 * DAY,
            hosts=[world.users[h] for h in hosts],
        )
        services.session_record(actor=None, session=session, attendance=20)
        if close:
            session = services.session_close(actor=None, session=session, revisit_on=revisit_on)
        return session

    return make


def _titles(user, day):
    return [r.session.title for r in revisits_due_for(user, day)]


def test_a_host_is_reminded_from_a_week_before_and_overdue_ones_come_first(world, talk_for):
    day = today()
    talk_for(day + 3 * DAY, title="三天后")
    talk_for(day, title="今天")
    talk_for(day - 2 * DAY, title="超期")
    talk_for(day + REVISIT_AHEAD_DAYS * DAY, title="一周后")
    talk_for(day + (REVISIT_AHEAD_DAYS + 1) * DAY, title="还早")
    talk_for(None, title="不用回访")
    reminders = revisits_due_for(world.users["grid_worker"], day)
    assert [r.session.title for r in reminders] == ["超期", "今天", "三天后", "一周后"]
    assert [(r.overdue, r.is_today) for r in reminders] == [
        (True, False),
        (False, True),
        (False, False),
        (False, False),
    ]


def test_the_reminder_goes_away_once_the_follow_up_is_recorded(world, talk_for):
    talk = talk_for(today() + DAY)
    gw = world.users["grid_worker"]
    assert _titles(gw, today()) == ["和平夜话"]
    done = services.session_revisit_done(actor=gw, session=talk, note="  楼门已换新 ")
    assert done.revisit_done_by == gw
    assert done.revisit_done_at is not None
    assert done.revisit_note == "楼门已换新"
    assert _titles(gw, today()) == []
    with pytest.raises(Conflict):
        services.session_revisit_done(actor=gw, session=talk)


def test_only_a_closed_talk_with_a_come_back_date_can_be_followed_up(world, talk_for):
    gw = world.users["grid_worker"]
    for talk in [talk_for(None), talk_for(today(), close=False)]:
        with pytest.raises(Conflict):
            services.session_revisit_done(actor=gw, session=talk)


def test_only_the_hosts_are_reminded(world, talk_for):
    talk_for(today(), hosts=("grid_worker", "agency_cadre"))
    assert _titles(world.users["grid_worker"], today()) == ["和平夜话"]
    assert _titles(world.users["agency_cadre"], today()) == ["和平夜话"]
    # In the same community, or above it, but not a host: no task.
    for who in ["other_grid_worker", "community_staff", "leader", "handler"]:
        assert _titles(world.users[who], today()) == [], who


def test_a_talk_without_hosts_reminds_the_one_who_planned_it(world, talk_for):
    talk_for(today(), hosts=())
    assert _titles(world.users["community_staff"], today()) == ["和平夜话"]
    assert _titles(world.users["grid_worker"], today()) == []


def test_the_field_home_shows_the_reminder_and_flags_it_overdue(client, world, talk_for):
    talk = talk_for(today() - DAY)
    login(client, world.users["grid_worker"])
    response = client.get(reverse("cases:field"))
    assert response.status_code == 200
    body = text(response)
    when = response.context["revisits"][0].due
    assert when == today() - DAY
    assert "Come back to 和平夜话 on" in body
    section = response.content.decode().split('id="revisits-h"', 1)[1].split("</section>")[0]
    assert "pill overdue" in section
    assert reverse("outreach:detail", args=[talk.pk]) in response.content.decode()
    login(client, world.users["other_grid_worker"])
    assert "Come back to" not in text(client.get(reverse("cases:field")))


def test_the_desk_home_shows_the_reminder(client, world, talk_for):
    talk_for(today() + 2 * DAY, hosts=("community_staff",))
    login(client, world.users["community_staff"])
    response = client.get(reverse("cases:triage"))
    assert response.status_code == 200
    assert "Come back to 和平夜话 on" in text(response)
    section = response.content.decode().split('id="revisits-h"', 1)[1].split("</section>")[0]
    assert "pill overdue" not in section and not response.context["revisits"][0].overdue
    other = client.get(reverse("cases:open"))  # only on the home queue
    assert "Come back to" not in text(other)


def test_the_talk_page_records_the_follow_up(client, world, talk_for):
    talk = talk_for(today())
    login(client, world.users["grid_worker"])
    page = client.get(reverse("outreach:detail", args=[talk.pk]))
    assert page.context["revisit_form"] is not None
    assert reverse("outreach:revisit_done", args=[talk.pk]) in page.content.decode()
    response = client.post(
        reverse("outreach:revisit_done", args=[talk.pk]), {"note": "给居民看了新楼门"}
    )
    assert response["Location"] == reverse("outreach:detail", args=[talk.pk])
    talk.refresh_from_db()
    assert talk.revisit_done_by == world.users["grid_worker"]
    page = client.get(reverse("outreach:detail", args=[talk.pk]))
    assert page.context["revisit_form"] is None
    body = text(page)
    assert "Came back" in body and "给居民看了新楼门" in body
    assert "The follow-up is recorded." in body
    assert "Come back to" not in text(client.get(reverse("cases:field")))
    again = client.post(reverse("outreach:revisit_done", args=[talk.pk]))
    assert again.status_code == 302  # "already recorded", as a message
    followed = client.get(again["Location"])
    assert "already recorded" in text(followed)


def test_the_follow_up_needs_sight_of_the_talk(client, world, talk_for):
    talk = talk_for(today())
    login(client, world.users["handler"])
    response = client.post(reverse("outreach:revisit_done", args=[talk.pk]), {"note": "x"})
    assert response.status_code == 404
    talk.refresh_from_db()
    assert talk.revisit_done_at is None
