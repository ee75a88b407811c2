"""The first hour of a newcomer and of a desk worker (issue 15), in real Chromium: deadlines on
the overdue list, date fields in Chinese, pages that fit a 360 px phone, closed talks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

from minqing.cases.models import Case
from minqing.core.tests.browser.conftest import PHONE
from minqing.outreach import services as outreach

pytestmark = pytest.mark.django_db(transaction=True)


def _talk(world, **kwargs):
    return outreach.session_plan(
        actor=world.users["community_staff"],
        title="和平夜话·华荫南里社区",
        community=world.community,
        starts_at=timezone.now() - timedelta(hours=2),
        location="党群服务中心",
        hosts=[world.users["community_staff"], world.users["grid_worker"]],
        **kwargs,
    )


def test_the_overdue_list_shows_each_deadline_in_the_servers_zone_and_how_late(
    open_session, world, cases
):
    late = cases.in_state("dispatched", level="community")
    missed = timezone.now() - timedelta(hours=3, minutes=10)
    Case.objects.filter(pk=late.pk).update(deadline=missed, overdue=True, was_overdue=True)
    # Escalated for a missed deadline, with the new level's deadline still ahead.
    climbed = cases.in_state("accepted", level="community")
    ahead = timezone.now() + timedelta(days=2)
    Case.objects.filter(pk=climbed.pk).update(deadline=ahead, was_overdue=True)

    me = open_session()
    page = me.login("cs")
    me.go("/cases/overdue/")
    headers = page.locator("#queue thead th").all_inner_texts()
    column = headers.index("Deadline") + 1

    def cell(case):
        row = page.locator("#queue tbody tr").filter(has_text=case.code)
        return row.locator(f"td:nth-child({column})")

    shanghai = timezone.localtime(missed, timezone.get_default_timezone())
    with translation.override("en"):
        shown = date_format(shanghai, "SHORT_DATETIME_FORMAT")
    assert cell(late).inner_text().startswith(shown)
    assert "overdue by 3 hours" in cell(late).inner_text()
    assert cell(late).locator("time").get_attribute("datetime") == (
        shanghai.replace(microsecond=0).isoformat()
    )
    assert cell(late).locator("time").get_attribute("datetime").endswith("+08:00")
    assert "—" not in cell(climbed).inner_text()
    assert "overdue by" not in cell(climbed).inner_text()
    assert re.search(r"\d{4}", cell(climbed).inner_text())
    # The case nobody has been sent yet says so, rather than a bare dash.
    with_column = headers.index("With") + 1
    row = page.locator("#queue tbody tr").filter(has_text=climbed.code)
    assert row.locator(f"td:nth-child({with_column})").inner_text() == "not dispatched yet"


def test_the_chinese_dashboards_date_fields_show_their_dates(open_session, world, cases):
    cases.in_state("closed")
    me = open_session(language="zh-hans")
    page = me.login("leader")
    for path in ("/dashboards/", "/dashboards/departments/"):
        me.go(path)
        since = page.input_value("#id_since")
        until = page.input_value("#id_until")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", since), (path, since)
        assert until == timezone.localdate().isoformat(), (path, until)
    me.go("/dashboards/")
    page.fill("#id_since", "2026-01-05")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/dashboards/?*since=2026-01-05*")
    assert page.input_value("#id_since") == "2026-01-05"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_desk_pages_fit_a_phone(open_session, world, cases, language):
    talk = _talk(world)
    cases.in_state("closed", session=talk)
    cases.in_state("dispatched", session=talk)
    cases.in_state("reported")
    cases.in_state("accepted", level="community")
    Case.objects.update(was_overdue=True)
    pages = {
        "leader": [
            "/dashboards/",
            "/dashboards/departments/",
            f"/dashboards/departments/{world.housing.code}/",
            "/cases/",
            "/cases/triage/",
            "/cases/overdue/",
        ],
        "cs": [
            "/talks/",
            "/talks/new/",
            f"/talks/{talk.pk}/",
            "/cases/",
            "/cases/triage/",
            "/cases/overdue/",
            "/cases/visits/",
        ],
        "h": ["/cases/department/"],
    }
    for username, paths in pages.items():
        me = open_session(viewport=PHONE, language=language)
        page = me.login(username)
        for path in paths:
            response = me.go(path)
            assert page.locator("main h1").count() == 1, path
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (path, width)
            # The stylesheet is there (a page without it would fit by accident).
            assert (
                page.evaluate(
                    "getComputedStyle(document.querySelector('header.top')).backgroundColor"
                )
                == "rgb(11, 79, 156)"
            ), path
            del response


def test_a_closed_talk_offers_no_recording_and_the_capture_page_refuses_it(
    open_session, world, cases
):
    talk = _talk(world)
    me = open_session()
    page = me.login("cs")
    me.go(f"/talks/{talk.pk}/")
    assert page.locator("text=Record a problem raised here").count() == 1
    outreach.session_close(actor=None, session=talk, revisit_on=None)

    me.go(f"/talks/{talk.pk}/")
    assert page.locator("text=Record a problem raised here").count() == 0
    me.go(f"/cases/new/?session={talk.pk}")
    page.wait_for_url(f"**/talks/{talk.pk}/")
    assert page.locator(".messages").inner_text() == (
        "This evening talk is closed; record the problem without it."
    )
    assert not Case.objects.filter(session=talk).exists()
