"""Residents: report without log-in, follow the case by code + 4 digits, rate the result."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from minqing.cases import services
from minqing.cases.models import Case, CaseEvent, CaseState, Channel
from minqing.core.tests.helpers import english, text

REPORT = reverse("cases:public_report")
TRACK = reverse("cases:track")


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def resident(client, world):
    world.door.keywords = "楼门 单元门"
    world.door.save()
    return english(client)


def _report(client, **extra):
    page = client.get(REPORT, {"community": "HYNL"})
    data = {
        "token": page.context["token"],
        "community": "HYNL",
        "building": "HYNL-G1-B07",
        "title": "单元门关不上",
        "description": "",
        "reporter_name": "王阿姨",
        "reporter_phone": "13812345678",
    }
    data.update(extra)
    return client.post(REPORT, data)


def test_the_report_form_starts_with_the_community_then_the_building(resident):
    first = resident.get(REPORT)
    assert first.status_code == 200
    assert 'name="building"' not in first.content.decode()
    second = resident.get(REPORT, {"community": "HYNL"})
    html = second.content.decode()
    assert 'value="HYNL-G1-B07"' in html
    assert 'value="HYNL-G2-B01"' in html
    assert "How we use your name and phone" in text(second)
    options = resident.get(reverse("cases:public_buildings"), {"community": "HYNL"})
    assert "义顺里7号" in options.content.decode()


def test_a_resident_reports_and_gets_a_tracking_code(resident, world):
    response = _report(resident)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.WEB
    assert case.created_by is None
    assert case.category == world.door
    assert CaseEvent.objects.get(case=case).actor_label == "resident"
    thanks = resident.get(response["Location"])
    assert case.code in text(thanks)
    # The browser that reported may follow it at once.
    assert resident.get(reverse("cases:track_case", args=[case.code])).status_code == 200


def test_a_resend_of_the_same_form_reports_once(resident):
    page = resident.get(REPORT, {"community": "HYNL"})
    token = page.context["token"]
    data = {
        "token": token,
        "community": "HYNL",
        "building": "HYNL-G1-B07",
        "title": "单元门关不上",
        "reporter_phone": "13812345678",
    }
    resident.post(REPORT, data)
    resident.post(REPORT, data)
    assert Case.objects.count() == 1


def test_report_errors_are_next_to_the_field(resident):
    response = _report(resident, reporter_phone="123")
    assert response.status_code == 400
    assert "is not a phone number" in response.context["form"].errors["reporter_phone"][0]
    response = _report(resident, building="HYNL-G2-B99")
    assert response.status_code == 400
    assert "building" in response.context["form"].errors
    response = _report(resident, category="C99.99.99")  # not a category of ours
    assert "category" in response.context["form"].errors
    response = _report(resident, reporter_phone="")
    assert "reporter_phone" in response.context["form"].errors
    assert not Case.objects.exists()


def test_a_report_whose_words_match_no_category_waits_in_triage_unsorted(resident):
    """Issue 15: a case is never refused for lack of a category."""
    response = _report(resident, title="天气很好")
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.category.code, case.state) == ("UNSORTED", CaseState.REPORTED)


def test_a_building_of_another_community_is_refused(resident, world):
    from minqing.places.models import Place, PlaceKind

    other = Place.objects.create(
        code="MYXL", name="民园西里社区", kind=PlaceKind.COMMUNITY, parent=world.street
    )
    assert other
    response = _report(resident, community="MYXL")
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_the_hidden_field_catches_bots(resident):
    response = _report(resident, website="http://spam.example")
    assert response.status_code == 302
    assert not Case.objects.exists()


def test_reports_are_rate_limited(resident, settings):
    settings.MINQING_RATE_LIMITS = {**settings.MINQING_RATE_LIMITS, "report": (2, 3600)}
    assert _report(resident).status_code == 302
    assert _report(resident).status_code == 302
    response = _report(resident)
    assert response.status_code == 429
    assert "too many attempts" in text(response).lower()
    assert Case.objects.count() == 2


def test_tracking_with_code_and_last_four_digits(client, world, cases):
    case = cases.in_state("dispatched")
    english(client)
    response = client.post(TRACK, {"code": case.code.lower(), "last4": "5678"})
    assert response["Location"] == reverse("cases:track_case", args=[case.code])
    page = client.get(response["Location"])
    body = text(page)
    assert "Your problem was written down." in body
    assert "It was sent to 老旧房屋改造办" in body
    assert "gw" not in body.split("What happened", 1)[1]  # no staff names for the public
    assert "13812345678" not in page.content.decode()


@pytest.mark.parametrize(
    ("code", "digits"), [("HP-0000-0000", "5678"), (None, "0000"), (None, "56")]
)
def test_a_wrong_code_or_digits_get_one_neutral_message(client, world, cases, code, digits):
    case = cases.in_state("reported")
    english(client)
    response = client.post(TRACK, {"code": code or case.code, "last4": digits})
    assert response.status_code == 200
    assert "No case matches this code and these digits." in text(response)
    assert response.context["form"].errors == {}  # nothing says which part was wrong


def test_a_case_page_needs_the_digits_first(client, world, cases):
    case = cases.in_state("reported")
    english(client)
    response = client.get(reverse("cases:track_case", args=[case.code]))
    assert response["Location"] == TRACK


def test_repeated_failures_are_slowed_down(client, world, cases, settings):
    settings.MINQING_RATE_LIMITS = {**settings.MINQING_RATE_LIMITS, "track": (3, 900)}
    case = cases.in_state("reported")
    english(client)
    for _ in range(3):
        assert client.post(TRACK, {"code": case.code, "last4": "0000"}).status_code == 200
    # Even the right digits wait now.
    response = client.post(TRACK, {"code": case.code, "last4": "5678"})
    assert response.status_code == 429


def test_guessing_one_code_from_many_addresses_is_slowed_down(client, world, cases, settings):
    settings.MINQING_RATE_LIMITS = {**settings.MINQING_RATE_LIMITS, "track_code": (3, 3600)}
    case = cases.in_state("reported")
    english(client)
    for n in range(3):
        client.post(TRACK, {"code": case.code, "last4": "0000"}, REMOTE_ADDR=f"10.0.0.{n}")
    response = client.post(TRACK, {"code": case.code, "last4": "5678"}, REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429


def _tracked(client, case):
    english(client)
    client.post(TRACK, {"code": case.code, "last4": "5678"})
    return client


def test_the_satisfaction_form_shows_when_a_visit_is_open(client, world, cases):
    open_case = cases.in_state("in_progress")
    page = _tracked(client, open_case).get(reverse("cases:track_case", args=[open_case.code]))
    assert page.context["form"] is None
    resolved = cases.in_state("resolved")
    page = _tracked(client, resolved).get(reverse("cases:track_case", args=[resolved.code]))
    assert page.context["form"] is not None
    assert "Is it fixed?" in text(page)


def test_a_satisfied_resident_closes_the_case(client, world, cases):
    case = cases.in_state("resolved")
    _tracked(client, case)
    url = reverse("cases:track_rate", args=[case.code])
    response = client.post(url, {"solved": "yes", "satisfied": "satisfied", "comment": "谢谢"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    visit = case.visits.get()
    assert (visit.method, visit.visitor) == ("online", None)
    page = client.get(reverse("cases:track_case", args=[case.code]))
    assert "Thank you. Your answer is recorded." in text(page)
    assert page.context["form"] is None
    again = client.post(url, {"solved": "yes", "satisfied": "satisfied"})
    assert again.status_code == 302  # nothing left to rate; a message, no 500


def test_an_unhappy_resident_reopens_the_case(client, world, cases):
    case = cases.in_state("resolved")
    _tracked(client, case)
    url = reverse("cases:track_rate", args=[case.code])
    assert client.post(url, {"solved": "no"}).status_code == 400
    client.post(url, {"solved": "no", "satisfied": "unsatisfied", "comment": "门还是坏的"})
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED


REOPENED = "This case was reopened on"


def _facts(page) -> str:
    """The facts list at the top of the tracking page (not the history below it)."""
    html = page.content.decode()
    return html[html.index('<dl class="facts">') : html.index("</dl>")]


def test_after_a_reopen_the_old_reply_is_not_shown_as_the_answer(client, world, cases):
    case = cases.in_state("resolved")
    url = reverse("cases:track_case", args=[case.code])
    page = _tracked(client, case).get(url)
    assert "<dt>Reply</dt>" in _facts(page) and "已更换新楼门。" in _facts(page)
    assert REOPENED not in text(page)

    services.case_reopen(
        actor=world.users["grid_worker"], case=case, version=case.version, reason="门又坏了"
    )
    page = client.get(url)
    assert "<dt>Reply</dt>" not in _facts(page)
    assert "Earlier reply (it did not solve the problem)" in _facts(page)
    assert REOPENED in text(page)
    assert "It is being handled again." in text(page)

    case.refresh_from_db()
    cases.move(case, "in_progress")
    case.refresh_from_db()
    services.case_resolve(
        actor=world.users["handler"], case=case, version=case.version, reply="换了整扇新门。"
    )
    page = client.get(url)
    assert "<dt>Reply</dt>" in _facts(page) and "换了整扇新门。" in _facts(page)
    assert REOPENED not in text(page)


def test_a_resident_who_says_it_is_not_fixed_sees_it_reopened(client, world, cases):
    case = cases.in_state("resolved")
    _tracked(client, case)
    client.post(
        reverse("cases:track_rate", args=[case.code]),
        {"solved": "no", "satisfied": "unsatisfied", "comment": "门还是坏的"},
    )
    page = client.get(reverse("cases:track_case", args=[case.code]))
    assert "<dt>Reply</dt>" not in _facts(page)
    assert REOPENED in text(page)


def test_rating_needs_the_digits_first(client, world, cases):
    case = cases.in_state("resolved")
    english(client)
    url = reverse("cases:track_rate", args=[case.code])
    response = client.post(url, {"solved": "yes", "satisfied": "satisfied"})
    assert response["Location"] == TRACK
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED


def test_public_pages_work_without_javascript(resident):
    html = resident.get(REPORT).content.decode()
    assert 'method="get"' in html and "<noscript>" not in html
    assert '<button type="submit">' in html  # "Next" without htmx
