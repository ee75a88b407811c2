"""The three journeys of the issue and the language switch, in real Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from minqing.cases import services
from minqing.cases.models import Case, CaseState
from minqing.core.tests.browser.conftest import PHONE
from minqing.places.models import Place

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def keywords(world):
    world.door.keywords = "楼门 单元门 门禁"
    world.door.save()
    world.pipes.keywords = "水管 锈水"
    world.pipes.save()
    return world


def _open(page, action: str) -> None:
    """Unfold an action's panel (the first one on the page is already open)."""
    if not page.eval_on_selector(f"#{action}", "d => d.open"):
        page.click(f"#{action} summary")


def _photo(tmp_path):
    path = tmp_path / "door.jpg"
    img = Image.new("RGB", (2400, 1800), (120, 80, 40))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 7.0, 1.0)}
    img.save(path, format="JPEG", exif=exif)
    return path


def test_field_capture_on_a_phone(open_session, keywords, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    me = open_session(viewport=PHONE)
    page = me.login("gw")
    assert page.url.endswith("/field/")
    page.click("text=+ Record a problem")
    page.wait_for_url("**/cases/new/")
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.select_option("#id_place", "HYNL-G1-B07")
    page.fill("#id_title", "单元门关不上")
    page.locator("#suggest").filter(has_text="楼门损坏").wait_for()  # htmx hint while typing
    page.click("#more summary")  # the urgency and the resident are behind "more" (issue 9)
    page.check("input[name=urgency][value=urgent]")
    page.set_input_files("#id_photo", str(_photo(tmp_path)))
    page.fill("#id_reporter_phone", "13812345678")
    page.click("button:has-text('Save')")
    page.wait_for_url(re.compile(r"/cases/HP-\d{4}-\d{4}/$"))
    case = Case.objects.get()
    assert case.category.name == "楼门损坏"
    assert case.urgency == "urgent"
    assert page.locator("text=Recorded as").is_visible()
    assert page.locator("text=138****5678").is_visible()
    assert page.locator(".photos img").count() == 1
    # A resend of the same form (back, submit again) does not make a second case.
    page.go_back()
    page.click("button:has-text('Save')")
    page.wait_for_load_state()
    assert Case.objects.count() == 1


def test_accept_dispatch_resolve_return_visit_close(open_session, keywords):
    world = keywords
    case = services.case_report(
        actor=world.users["grid_worker"],
        title="义顺里7号楼门关不上",
        category=world.door,
        place=world.building,
        channel="evening_talk",
        reporter_phone="13812345678",
    )
    worker = open_session()
    page = worker.login("gw")
    worker.go(f"/cases/{case.code}/")
    page.click("#accept button[type=submit]")
    page.locator("text=Accepted.").wait_for()
    _open(page, "dispatch")
    assert page.input_value("#dispatch select[name=to]") == "d:D-HOUSING"
    page.click("#dispatch button[type=submit]")
    page.locator("text=Dispatched.").wait_for()

    handler = open_session()
    hp = handler.login("h")
    assert hp.url.endswith("/cases/department/")
    hp.click(f"text={case.title}")
    hp.click("#start button[type=submit]")
    hp.locator("text=Work started.").wait_for()
    _open(hp, "resolve")
    hp.fill("#resolve textarea[name=reply]", "已更换新楼门。")
    hp.click("#resolve button[type=submit]")
    hp.locator("text=Resolved; a return visit is scheduled.").wait_for()

    worker.go(f"/cases/{case.code}/")
    _open(page, "return_visit")
    page.check("#return_visit input[name=solved][value=yes]")
    page.check("#return_visit input[name=satisfied][value=satisfied]")
    page.fill("#return_visit textarea[name=comment]", "居民说门很好。")
    page.click("#return_visit button[type=submit]")
    page.locator("text=Return visit recorded.").wait_for()
    assert page.locator(".pill.closed").count() == 1
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


def test_a_stale_page_says_so_and_shows_the_fresh_state(open_session, keywords):
    world = keywords
    case = services.case_report(
        actor=world.users["grid_worker"],
        title="楼门坏了",
        category=world.door,
        place=world.building,
        channel="phone",
    )
    me = open_session()
    page = me.login("gw")
    me.go(f"/cases/{case.code}/")
    services.case_accept(actor=world.users["community_staff"], case=case, version=case.version)
    page.click("#accept button[type=submit]")
    page.locator("text=Someone else changed this case").wait_for()
    assert page.locator("text=cs accepted it.").is_visible()


def test_resident_report_track_and_rate(open_session, keywords):
    world = keywords
    resident = open_session(viewport=PHONE)
    page = resident.go("/")
    page.click("text=Report a problem >> nth=0")
    page.select_option("#id_pick_community", "HYNL")  # htmx brings in the rest of the form
    page.locator("#id_building").wait_for()
    page.select_option("#id_building", "HYNL-G1-B07")
    page.fill("#id_title", "单元门关不上")
    page.fill("#id_reporter_phone", "13812345678")
    page.click("button:has-text('Send the report')")
    page.wait_for_url("**/report/thanks/")
    code = page.text_content("#code").strip()
    case = Case.objects.get(code=code)
    assert case.channel == "web"

    # The grid team fixes it (through the services).
    gw, h = world.users["grid_worker"], world.users["handler"]
    case = services.case_accept(actor=gw, case=case, version=case.version)
    case = services.case_dispatch(
        actor=gw, case=case, version=case.version, department=world.housing
    )
    case = services.case_start(actor=h, case=case, version=case.version)
    services.case_resolve(actor=h, case=case, version=case.version, reply="已更换新楼门。")

    other = open_session(viewport=PHONE)  # a fresh phone: needs the code and the digits
    page = other.go("/track/")
    page.fill("#id_code", code)
    page.fill("#id_last4", "0000")
    page.click("button:has-text('Show the case')")
    page.locator("text=No case matches this code and these digits.").wait_for()
    page.fill("#id_code", code)
    page.fill("#id_last4", "5678")
    page.click("button:has-text('Show the case')")
    page.wait_for_url(f"**/track/{code}/")
    assert page.locator("text=已更换新楼门。").first.is_visible()
    page.check("input[name=solved][value=yes]")
    page.check("input[name=satisfied][value=satisfied]")
    page.click("button:has-text('Send my answer')")
    page.locator("text=Thank you. Your answer is recorded.").wait_for()
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


def test_the_language_switch(open_session, db):
    Place.objects.create(code="X", name="和平区", kind="district")
    visitor = open_session(language=None)
    page = visitor.go("/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    page.click("button[value=en]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("h1", has_text="Tell us what is wrong where you live").is_visible()
    page.click("button[value=zh-hans]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-hans"


def test_keyboard_only_capture(open_session, keywords, settings, tmp_path):
    """The capture form can be filled and sent with the keyboard alone."""
    settings.MEDIA_ROOT = tmp_path / "media"
    me = open_session(viewport=PHONE)
    me.login("gw")
    page = me.go("/cases/new/")
    page.focus("#id_place")
    # No place is chosen in advance any more (issue 15): pick the first one with the keys.
    page.keyboard.press("ArrowDown")
    assert page.input_value("#id_place") == "HYNL-G1"  # the first in the list: the grid
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_title"
    page.keyboard.type("楼门关不上")
    page.focus("button:has-text('Save')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases/HP-"))
    assert Case.objects.count() == 1
    assert timezone.now() - Case.objects.get().reported_at < timedelta(minutes=1)
