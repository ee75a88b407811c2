"""Issue 9 on a 360×640 phone in Chromium: the handbook keeps every entry on the phone when
the connection is gone, and the server records each entry once when it returns.

"Offline" is the whole phone's connection: the pages' requests and the service worker's
(Playwright's ``set_offline`` and a route that refuses every request of the context)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from minqing.cases.models import Case, CaseEvent, ReturnVisit, VisitStatus
from minqing.core.tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

SAVE = "#capture button[type=submit]"


def offline(session, on: bool = True) -> None:
    """The phone's connection off (or on again)."""
    ctx = session.context
    if on:
        ctx.route("**/*", lambda route: route.abort("internetdisconnected"))
        ctx.set_offline(True)
    else:
        ctx.unroute("**/*")
        ctx.set_offline(False)


def ready(page) -> None:
    """The service worker holds the field pages and controls this page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)


def record(page, words: str, place: str = "HYNL-G1-B07") -> None:
    page.select_option("#id_place", place)
    page.fill("#id_title", words)
    page.click(SAVE)


def send_now(page) -> None:
    """The "send now" button (hidden once nothing waits: the `online` event may be first)."""
    page.evaluate("document.querySelector('#queue button[data-send]').click()")


def entry(page, words: str, state: str):
    found = page.locator(f"#queue .entry.{state}", has_text=words)
    found.wait_for()
    return found


def test_offline_then_online_three_problems_and_a_return_visit_recorded_once_each(
    open_session, world, cases
):
    """The issue's "done when": with the network off a grid worker records three problems
    and a return visit, the pages reload from the phone, and once the network is back the
    server has four records, each once, and the phone shows their tracking codes."""
    done = cases.in_state("resolved")
    visit = ReturnVisit.objects.get(case=done)
    visit.status = VisitStatus.OPEN
    visit.save(update_fields=["status"])
    before = set(Case.objects.values_list("pk", flat=True))
    me = open_session(viewport=PHONE)
    me.login("gw")
    page = me.go("/cases/visits/")
    ready(page)
    page = me.go("/cases/new/")

    offline(me)
    page.reload()  # from the phone
    words = ["单元门坏了关不严", "楼道灯不亮了", "二楼水管漏水"]
    for w in words:
        record(page, w)
        entry(page, w, "waiting")
        assert "Waiting to send" in page.locator("#queue .entry", has_text=w).inner_text()
        assert page.input_value("#id_title") == ""  # ready for the next one
    assert "Saved on this phone" in page.locator("#queue [data-note]").inner_text()
    page.reload()  # still offline: the entries are still on the phone
    for w in words:
        entry(page, w, "waiting")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page = me.go("/cases/visits/")  # from the phone too
    page.click(f"li[data-visit='{visit.pk}'] summary")
    page.check(f"li[data-visit='{visit.pk}'] input[name=solved][value=yes]")
    page.check(f"li[data-visit='{visit.pk}'] input[name=satisfied][value=satisfied]")
    page.click(f"li[data-visit='{visit.pk}'] button[type=submit]")
    entry(page, done.title, "waiting")
    assert Case.objects.exclude(pk__in=before).count() == 0  # nothing reached the server
    visit.refresh_from_db()
    assert visit.status == VisitStatus.OPEN

    offline(me, on=False)
    send_now(page)  # or the `online` event, or Background Sync
    for w in [*words, done.title]:
        entry(page, w, "sent")
    new = Case.objects.exclude(pk__in=before)
    assert sorted(new.values_list("title", flat=True)) == sorted(words)
    shown = page.locator("#queue").inner_text()
    for case in new:
        assert case.code in shown
        assert CaseEvent.objects.filter(case=case, action="report").count() == 1
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE
    assert CaseEvent.objects.filter(case=done, action="return_visit").count() == 1
    # Sending again (a second tap, another page load) sends nothing more.
    page.reload()
    page.locator("#queue .entry.sent").first.wait_for()
    assert Case.objects.exclude(pk__in=before).count() == 3


def test_a_double_tap_records_one_case(open_session, world):
    me = open_session(viewport=PHONE)
    me.login("gw")
    page = me.go("/cases/new/")
    page.select_option("#id_place", "HYNL-G1-B07")
    page.fill("#id_title", "单元门关不上")
    page.dblclick(SAVE)
    page.wait_for_url(re.compile(r"/cases/HP-\d{4}-\d{4}/$"))
    case = Case.objects.get()
    assert page.locator(f"text=Recorded as {case.code}").is_visible()


def test_a_lost_answer_then_a_resend_gives_one_case(open_session, world):
    # The page's own sending is under test: a service worker that takes control of the page
    # part-way would carry its requests past the context's routes (a Playwright limit).
    me = open_session(viewport=PHONE, service_workers="block")
    me.login("gw")
    page = me.go("/cases/new/")
    sends = []

    def lose_the_first_answer(route):
        sends.append(route.request.url)
        if len(sends) == 1:
            route.fetch()  # the server records the entry…
            route.abort("internetdisconnected")  # …and the signal drops before the answer
        else:
            route.continue_()

    me.context.route("**/cases/sync/", lose_the_first_answer)
    record(page, "单元门关不上")
    page.wait_for_function("document.querySelector('#queue .entry') !== null")
    assert Case.objects.count() == 1  # recorded, but the phone does not know
    send_now(page)
    sent = entry(page, "单元门关不上", "sent")
    assert len(sends) >= 2  # sent again…
    case = Case.objects.get()  # …and still one case
    assert case.code in sent.inner_text()
    assert CaseEvent.objects.filter(action="report").count() == 1


def test_a_server_error_keeps_the_entry_and_it_goes_later(open_session, world):
    me = open_session(viewport=PHONE, service_workers="block")  # as above
    me.login("gw")
    page = me.go("/cases/new/")
    me.context.route("**/cases/sync/", lambda route: route.fulfill(status=502, body="Bad gateway"))
    record(page, "单元门关不上")
    waiting = entry(page, "单元门关不上", "waiting")
    assert "tried again later" in waiting.inner_text()
    assert not Case.objects.exists()
    me.context.unroute("**/cases/sync/")
    send_now(page)
    entry(page, "单元门关不上", "sent")
    assert Case.objects.count() == 1


def test_two_tabs_sending_the_same_queue_record_each_entry_once(open_session, world):
    me = open_session(viewport=PHONE)
    me.login("gw")
    first = me.go("/cases/new/")
    ready(first)
    second = me.context.new_page()
    second.goto(me.base + "/field/")
    offline(me)
    first.reload()
    for w in ["楼门关不上", "楼道灯不亮", "水管漏水", "墙皮脱落"]:
        record(first, w)
        entry(first, w, "waiting")
    second.reload()
    entry(second, "墙皮脱落", "waiting")
    offline(me, on=False)
    # Both tabs send at the same moment (and each also hears the `online` event).
    both = "document.querySelector('#queue button[data-send]').click()"
    first.evaluate(both)
    second.evaluate(both)
    for page in (first, second):
        page.reload()
        for w in ["楼门关不上", "楼道灯不亮", "水管漏水", "墙皮脱落"]:
            entry(page, w, "sent")
    assert Case.objects.count() == 4
    assert len(set(Case.objects.values_list("title", flat=True))) == 4


def test_a_refused_entry_stays_on_the_phone_with_the_reason_and_can_be_fixed(open_session, world):
    me = open_session(viewport=PHONE)
    me.login("gw")
    page = me.go("/cases/new/")
    ready(page)
    offline(me)
    page.reload()
    record(page, "义顺里7号楼门关不上")
    entry(page, "义顺里7号楼门关不上", "waiting")
    # Meanwhile building 7 moves to the other grid: no longer this worker's.
    world.building.parent = world.other_grid
    world.building.save()
    offline(me, on=False)
    send_now(page)
    refused = entry(page, "义顺里7号楼门关不上", "rejected")
    assert "is not among your places" in refused.inner_text()
    page.reload()  # kept, with the reason
    refused = entry(page, "义顺里7号楼门关不上", "rejected")
    assert "is not among your places" in refused.inner_text()
    assert not Case.objects.exists()
    refused.locator("button", has_text="Edit").click()
    expect(page.locator("#id_title")).to_have_value("义顺里7号楼门关不上")
    expect(page.locator("#place-field .errorlist")).to_contain_text("is not among your places")
    page.select_option("#id_place", "HYNL-G1")  # the whole grid instead
    page.click(SAVE)
    page.wait_for_url(re.compile(r"/cases/HP-\d{4}-\d{4}/$"))
    case = Case.objects.get()
    assert case.place == world.grid
    assert case.title == "义顺里7号楼门关不上"


def test_a_photo_that_is_not_one_is_said_on_the_phone_and_the_words_stay(
    open_session, world, tmp_path
):
    bad = tmp_path / "door.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not a picture")
    me = open_session(viewport=PHONE)
    me.login("gw")
    page = me.go("/cases/new/")
    page.select_option("#id_place", "HYNL-G1-B07")
    page.fill("#id_title", "单元门关不上")
    page.set_input_files("#id_photo", str(bad))
    page.click(SAVE)
    page.locator("text=This file is not a photo we can read.").first.wait_for()
    assert page.input_value("#id_title") == "单元门关不上"
    assert not Case.objects.exists()


def test_a_full_phone_says_so_and_keeps_the_words(open_session, world):
    me = open_session(viewport=PHONE)
    # The phone's storage is full: IndexedDB refuses every write.
    me.context.add_init_script(
        """IDBObjectStore.prototype.put = function () {
             throw new DOMException("The quota has been exceeded.", "QuotaExceededError"); };"""
    )
    me.login("gw")
    page = me.go("/cases/new/")
    record(page, "单元门关不上")
    page.locator("#capture .errorlist", has_text="storage is full").wait_for()
    assert page.input_value("#id_title") == "单元门关不上"
    assert not Case.objects.exists()


def test_the_timed_journey(open_session, world, cases, tmp_path, settings):
    """From "my grid" to a saved problem: the taps and the seconds (printed, not asserted)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cases.report()  # building 7 is a recent place: one tap
    me = open_session(viewport=PHONE)
    page = me.login("gw")
    taps = 0
    start = time.monotonic()
    page.click("text=+ Record a problem")
    taps += 1
    page.wait_for_url("**/cases/new/")
    page.locator("label.chip", has_text="义顺里7号").click()
    taps += 1
    page.locator("#id_title").press_sequentially("义顺里7号大门关不严实，存在安全隐患", delay=30)
    page.click(SAVE)
    taps += 1
    page.wait_for_url(re.compile(r"/cases/HP-\d{4}-\d{4}/$"))
    seconds = time.monotonic() - start
    print(f"\ncapture journey: {taps} taps + the words, {seconds:.1f} s (typing at 30 ms a key)")
    assert Case.objects.count() == 2
