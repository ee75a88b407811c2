"""Start page, log-in, language switch, error pages and page weight."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from minqing.core.tests.helpers import english, login, text


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [
        ("grid_worker", "cases:field"),
        ("volunteer", "cases:field"),
        ("agency_cadre", "cases:field"),
        ("community_staff", "cases:triage"),
        ("subdistrict_staff", "cases:triage"),
        ("handler", "cases:department"),
        ("leader", "dashboards:home"),
        ("nobody", "no_role"),
    ],
)
def test_each_role_lands_on_its_own_page(client, world, who, lands_on):
    login(client, world.users[who])
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse(lands_on)
    assert client.get(response["Location"]).status_code == 200


def test_a_superuser_lands_on_the_dashboard(client, world, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="pw")
    login(client, admin)
    assert client.get("/")["Location"] == reverse("dashboards:home")


def test_residents_get_the_public_start_page(client, db):
    english(client)
    response = client.get("/")
    assert response.status_code == 200
    body = text(response)
    assert "Report a problem" in body
    assert "Follow a case" in body
    assert reverse("login") in response.content.decode()


def test_log_in_with_the_form_then_out(client, world):
    english(client)
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'for="id_username"' in page.content.decode()
    response = client.post(reverse("login"), {"username": "gw", "password": "pw"})
    assert response.status_code == 302
    assert client.get("/")["Location"] == reverse("cases:field")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # the public page again


def test_a_wrong_password_is_told_on_the_form(client, world):
    english(client)
    response = client.post(reverse("login"), {"username": "gw", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in text(response)


def test_staff_pages_send_anonymous_visitors_to_log_in(client, world):
    for url in ["/cases/", "/cases/new/", "/talks/", "/dashboards/", "/batches/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_the_language_switch_changes_the_interface(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Report a problem" in text(client.get("/"))
    assert '<html lang="en">' in client.get("/").content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_chinese_is_the_default_language(client, db):
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_not_found_is_a_page_in_the_layout(client, world):
    login(client, world.users["grid_worker"])
    response = client.get("/cases/HP-0000-0000/")
    assert response.status_code == 404
    assert "Not found" in text(response)


def test_a_role_without_the_page_gets_a_clear_403(client, world):
    login(client, world.users["volunteer"])
    response = client.get(reverse("dashboards:home"))
    assert response.status_code == 403
    assert "Not for your role" in text(response)


def test_navigation_shows_the_counts_of_the_queues(client, world, cases):
    cases.in_state("reported")
    cases.in_state("in_progress")
    login(client, world.users["grid_worker"])
    html = client.get(reverse("cases:field")).content.decode()
    triage = re.search(r'href="/cases/triage/"[^>]*>[^<]*<span class="count[^"]*">(\d+)<', html)
    opened = re.search(r'href="/cases/"[^>]*>[^<]*<span class="count[^"]*">(\d+)<', html)
    assert triage and triage.group(1) == "1"
    assert opened and opened.group(1) == "2"


def test_every_form_field_has_a_label(client, world, cases):
    """Each visible input, select and textarea on the main forms has a <label for>."""
    cases.in_state("reported")
    login(client, world.users["community_staff"])
    code = cases.in_state("accepted").code
    pages = [
        reverse("cases:capture"),
        reverse("cases:detail", args=[code]),
        reverse("cases:triage"),
        reverse("outreach:plan"),
        reverse("dashboards:home"),
        reverse("cases:public_report") + "?community=HYNL",
        reverse("cases:track"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        labels = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
        for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
            if re.search(r'type="(hidden|submit)"', tag):
                continue
            ident = re.search(r'id="([^"]+)"', tag)
            named = re.search(r"aria-label=", tag)
            assert named or (ident and ident.group(1) in labels), (url, tag)


HTMX = "django_htmx/htmx-2.min.js"
BUDGET = 150 * 1024


def _weight(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    total = len(response.content)
    for asset in re.findall(r'(?:src|href)="/static/([^"]+)"', html):
        path = finders.find(asset)
        assert path, asset
        total += Path(path).stat().st_size
    return total


def test_first_load_of_the_main_pages_is_under_150_kb(client, world, cases):
    for _ in range(30):
        cases.report()
    login(client, world.users["leader"])
    code = cases.in_state("resolved").code
    urls = [
        reverse("cases:capture"),
        reverse("cases:open"),
        reverse("cases:triage"),
        reverse("cases:detail", args=[code]),
        reverse("dashboards:home"),
        reverse("outreach:list"),
    ]
    for url in urls:
        assert _weight(client, url) < BUDGET, url
    login(client, world.users["grid_worker"])
    assert _weight(client, reverse("cases:field")) < BUDGET
    client.logout()
    for url in ["/", reverse("cases:public_report") + "?community=HYNL", reverse("cases:track")]:
        assert _weight(english(client), url) < BUDGET, url
