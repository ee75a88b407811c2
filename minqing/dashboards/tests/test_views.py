"""The leaders' dashboard page."""

from __future__ import annotations

from django.urls import reverse

from minqing.core.tests.helpers import login, text

URL = reverse("dashboards:home")


def test_the_leader_sees_the_three_rates_and_the_headline(client, world, cases):
    cases.in_state("closed")
    cases.in_state("reported")
    login(client, world.users["leader"])
    response = client.get(URL)
    assert response.status_code == 200
    body = text(response)
    for words in [
        "response rate",
        "resolution rate",
        "satisfaction rate",
        "solved in the grid",
        "on time",
        "problems solved since",
        "By community",
        "Overdue now, by level",
    ]:
        assert words in body, words
    assert response.context["solved"] == 1
    assert "<svg" in response.content.decode()
    assert response.context["place"] == world.district


def test_a_place_and_a_period_can_be_chosen(client, world, cases):
    cases.in_state("closed")
    login(client, world.users["leader"])
    response = client.get(URL, {"place": "HYNL", "since": "2020-01-01", "until": "2020-01-31"})
    assert response.status_code == 200
    assert response.context["place"] == world.community
    assert response.context["rates"].reported == 0
    assert response.context["unit_is_grid"]
    assert response.context["trend"].bucket == "day"
    bad = client.get(URL, {"place": "HYNL", "since": "2020-02-01", "until": "2020-01-01"})
    assert bad.status_code == 200  # the form shows the error, the page still renders
    assert "until" in bad.context["form"].errors


def test_a_place_out_of_scope_is_not_found(client, world):
    login(client, world.users["community_staff"])
    assert client.get(URL).context["place"] == world.community
    assert client.get(URL, {"place": "120101"}).status_code == 404


def test_field_roles_and_handlers_have_no_dashboard(client, world):
    for who in ["grid_worker", "volunteer", "handler", "nobody"]:
        login(client, world.users[who])
        assert client.get(URL).status_code == 403, who
