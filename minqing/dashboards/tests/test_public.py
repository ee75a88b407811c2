"""The public results page: this year's figures per district and sub-district, no log-in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minqing.cases import services
from minqing.cases.models import Case, VisitStatus
from minqing.core.tests.helpers import english, text
from minqing.dashboards.public_selectors import public_results
from minqing.places.models import Place, PlaceKind

URL = reverse("results")
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def story(world, cases, time_machine):
    """Three cases this year in 五大道街: one solved, one reopened by its visit, one new;
    one case last year; a second district with a sub-district and nothing reported."""
    time_machine.move_to(NOW - dt.timedelta(days=400), tick=False)
    cases.in_state("resolved")  # last year: not this year's figures
    time_machine.move_to(NOW - dt.timedelta(days=10), tick=False)
    solved = cases.in_state("resolved")
    reopened = cases.in_state("resolved")
    cases.report(channel="phone")  # a hotline call nobody has answered
    for case, answer, feeling in [
        (solved, "yes", "satisfied"),
        (reopened, "no", "unsatisfied"),
    ]:
        services.return_visit_record(
            actor=world.users["grid_worker"],
            visit=case.visits.get(status__in=[VisitStatus.SCHEDULED, VisitStatus.OPEN]),
            method="phone",
            solved=answer,
            satisfied=feeling,
        )
    hedong = Place.objects.create(code="120102", name="河东区", kind=PlaceKind.DISTRICT)
    Place.objects.create(code="DJL", name="大王庄街", kind=PlaceKind.SUBDISTRICT, parent=hedong)
    time_machine.move_to(NOW, tick=False)
    return world


def test_the_figures_are_this_years_per_district_and_sub_district(story):
    results = public_results()
    assert results.year == 2026
    assert [d.name for d in results.districts] == ["和平区", "河东区"]
    heping, hedong = results.districts
    assert heping.solved_this_year == 1  # the reopened case is not solved
    assert (heping.rates.reported, heping.rates.responded_in_time) == (3, 2)
    assert (heping.rates.visits, heping.rates.solved, heping.rates.satisfied) == (2, 1, 1)
    assert heping.solved_total == 2  # the headline counts every year
    assert [(s.name, s.solved_this_year) for s in heping.subdistricts] == [("五大道街", 1)]
    assert hedong.solved_total == 0 and hedong.rates.reported == 0
    assert [s.name for s in hedong.subdistricts] == ["大王庄街"]
    assert results.solved_total == 2


def test_anyone_sees_the_figures_without_personal_data(client, story):
    response = english(client).get(URL)
    assert response.status_code == 200
    body = text(response)
    for words in [
        "Problems solved in 2026",
        "2 problems solved since",
        "和平区",
        "五大道街",
        "河东区",
        "大王庄街",
        "66.7%",  # response: 2 of 3
        "50.0%",  # resolution and satisfaction: 1 of 2
        "2 of 3 answered within their time limit",
        "Computed at",
    ]:
        assert words in body, words
    html = response.content.decode()
    codes = list(Case.objects.values_list("code", flat=True))
    for private in ["王阿姨", "13812345678", "138****5678", "义顺里7号楼门关不上", *codes]:
        assert private not in html, private


def test_a_second_request_within_the_window_does_not_touch_the_database(
    client, story, cases, time_machine, settings
):
    settings.MINQING_PUBLIC_RESULTS_CACHE_SECONDS = 60
    english(client)
    first = client.get(URL)
    assert first.context["results"].districts[0].rates.reported == 3
    cases.report()
    time_machine.move_to(NOW + dt.timedelta(seconds=30), tick=False)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(URL)
    assert second.status_code == 200
    assert [q["sql"] for q in queries.captured_queries] == []
    assert second.context["results"].districts[0].rates.reported == 3  # as computed before
    time_machine.move_to(NOW + dt.timedelta(seconds=61), tick=False)
    third = client.get(URL)
    assert third.context["results"].districts[0].rates.reported == 4  # at most 60 s old


def test_the_page_speaks_chinese_by_default_and_english_on_request(client, story):
    chinese = client.get(URL)
    assert chinese.status_code == 200
    assert '<html lang="zh-hans">' in chinese.content.decode()
    body = text(chinese)
    assert "响应率" in body and "满意率" in body and "五大道街" in body
    body = text(english(client).get(URL))
    assert "response rate" in body and "satisfaction rate" in body


def test_the_landing_page_and_the_residents_navigation_link_to_it(client, world):
    body = english(client).get(reverse("home")).content.decode()
    assert body.count(f'href="{URL}"') == 2  # the navigation and the page
    assert client.get(URL).status_code == 200  # no districts yet: still a page
