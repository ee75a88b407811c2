"""Issue 15 on a 360×640 phone: a recent building is one tap away and nothing is chosen in
advance, the seed's own words are saved (never refused for want of a category), and the
words preselect the urgency while the worker keeps typing."""

from __future__ import annotations

import re

import pytest

from minqing.cases.models import Case
from minqing.core.tests.browser.conftest import PHONE
from minqing.places.models import Place, PlaceKind

pytestmark = pytest.mark.django_db(transaction=True)

# The seed story's residents, word for word (义顺里7号、10号大门…).
SEED = "义顺里7号大门有些老旧，关不严实，存在安全隐患"


def test_one_tap_building_seed_words_saved_with_the_words_urgency(open_session, world, cases):
    b2 = Place.objects.create(
        code="HYNL-G1-B02", name="义顺里2号", kind=PlaceKind.BUILDING, parent=world.grid
    )
    cases.report(place=b2)
    cases.report()  # building 7, the worker's last report: first of the recent places
    before = set(Case.objects.values_list("pk", flat=True))
    me = open_session(viewport=PHONE)
    me.login("gw")
    page = me.go("/cases/new/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Nothing is chosen in advance: no chip is checked and the list says "— choose —".
    chips = page.locator("#place-field input[type=radio]")
    assert chips.count() == 2
    assert page.locator("#place-field input[type=radio]:checked").count() == 0
    assert page.input_value("#id_place") == ""
    # The chips are a radio group: the keyboard moves along them.
    chips.first.focus()
    page.keyboard.press("ArrowRight")
    assert page.input_value("#id_place") == "HYNL-G1-B02"  # the list follows the chips
    # One tap on building 7.
    page.locator("label.chip", has_text="义顺里7号").click()
    assert page.is_checked("#place-field input[value='HYNL-G1-B07']")
    assert page.input_value("#id_place") == "HYNL-G1-B07"
    box = page.locator("label.chip", has_text="义顺里7号").bounding_box()
    assert box is not None and box["height"] >= 44  # a thumb-sized target

    # Typing the seed's words: the hint arrives without taking the field away from the
    # phone's keyboard (or its voice input): same element, still focused, text intact.
    title = page.locator("#id_title")
    title.focus()
    page.evaluate("document.getElementById('id_title').dataset.mark = 'typing'")
    title.press_sequentially(SEED, delay=15)
    page.locator("#suggest").filter(has_text="Emergency").wait_for()
    assert page.evaluate("document.activeElement.dataset.mark") == "typing"
    assert title.input_value() == SEED
    # The words preselected the urgency; the worker could still change it.
    assert page.is_checked("input[name=urgency][value=emergency]")

    page.click("button:has-text('Save')")
    page.wait_for_url(re.compile(r"/cases/HP-\d{4}-\d{4}/$"))
    case = Case.objects.exclude(pk__in=before).get()
    assert page.locator(f"text=Recorded as {case.code}").is_visible()
    assert case.place == world.building
    assert case.title == SEED
    assert case.category.code == "UNSORTED"  # no router, no keyword: sorted in triage
    assert case.urgency == "emergency"
    assert (case.deadline - case.reported_at).total_seconds() == 2 * 3600
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_saving_without_a_place_says_so_on_a_phone(open_session, world):
    me = open_session(viewport=PHONE)
    me.login("gw")
    page = me.go("/cases/new/")
    page.fill("#id_title", "大门老旧，关不严实")
    page.click("button:has-text('Save')")
    page.wait_for_load_state()
    message = page.locator("#place-field .errorlist")
    assert message.inner_text() == "Choose the building (or the whole grid) this problem is about."
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not Case.objects.exists()
