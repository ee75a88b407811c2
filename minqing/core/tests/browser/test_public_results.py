"""The public results page fits a 360 px phone, in Chinese and in English."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from minqing.core.tests.browser.conftest import PHONE
from minqing.places.models import Place, PlaceKind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_results_page_fits_a_phone(open_session, world, cases, language):
    cache.clear()
    cases.in_state("closed")
    cases.in_state("reported")
    Place.objects.create(
        code="XJL",
        name="新兴街道办事处很长的名字",
        kind=PlaceKind.SUBDISTRICT,
        parent=world.district,
    )
    me = open_session(viewport=PHONE, language=language)
    page = me.go("/")
    page.click("a[href='/results/'] >> nth=-1")
    page.wait_for_url("**/results/")
    assert page.locator("h1").inner_text()
    assert "五大道街" in page.locator("main").inner_text()
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main *')].map(e => e.scrollWidth))"
    )
    assert widest <= PHONE["width"]
    page.screenshot(path=f"/tmp/results-{language}.png", full_page=True)
    cache.clear()
