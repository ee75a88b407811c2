"""Contact cards: every building's grid team, public, on call 24 h."""

from __future__ import annotations

from django.urls import reverse

from minqing.core.tests.helpers import english, text


def test_a_resident_finds_the_grid_team_of_a_building(client, world):
    gw = world.users["grid_worker"]
    gw.phone = "13920010001"
    gw.wechat_id = "wx_gw"
    gw.save()
    english(client)
    first = client.get(reverse("people:contacts"))
    assert "华荫南里社区" in text(first)
    listing = client.get(reverse("people:contacts"), {"community": "HYNL"})
    assert reverse("people:card", args=["HYNL-G1-B07"]) in listing.content.decode()
    card = client.get(reverse("people:card", args=["HYNL-G1-B07"]))
    body = text(card)
    assert card.status_code == 200
    assert "gw · Grid worker" in body
    assert "13920010001" in body
    assert "wx_gw" in body
    assert "on call 24 h" in body
    assert "vol" not in body.split("Your grid team", 1)[1]  # helpers are not on the card


def test_a_grid_has_a_card_but_a_community_does_not(client, world):
    assert client.get(reverse("people:card", args=["HYNL-G1"])).status_code == 200
    assert client.get(reverse("people:card", args=["HYNL"])).status_code == 404
    assert client.get(reverse("people:card", args=["NOPE"])).status_code == 404
