"""A closed evening talk takes no more problems: the service refuses, the pages do not offer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from minqing.cases import services as cases_services
from minqing.cases.models import Case
from minqing.core.tests.helpers import login, text
from minqing.lib.errors import DomainError
from minqing.outreach import services

CLOSED = "This evening talk is closed; record the problem without it."


@pytest.fixture
def talk(world):
    return services.session_plan(
        actor=world.users["community_staff"],
        title="和平夜话·华荫南里社区",
        community=world.community,
        starts_at=timezone.now() - timedelta(hours=2),
    )


def _report(world, talk):
    return cases_services.case_report(
        actor=world.users["grid_worker"],
        title="义顺里7号楼门关不上",
        category=world.door,
        place=world.building,
        channel="evening_talk",
        session=talk,
    )


def test_a_problem_can_be_recorded_into_an_open_talk(world, talk):
    assert _report(world, talk).session == talk


def test_the_service_refuses_a_problem_for_a_closed_talk(world, talk, english):
    services.session_close(actor=None, session=talk, revisit_on=None)
    with pytest.raises(DomainError) as refused:
        _report(world, talk)
    assert refused.value.field == "session"
    assert str(refused.value) == CLOSED
    assert not Case.objects.exists()


def test_the_closed_talks_page_offers_no_recording(client, world, talk):
    login(client, world.users["community_staff"])
    url = reverse("outreach:detail", args=[talk.pk])
    capture = f"{reverse('cases:capture')}?session={talk.pk}"
    assert capture in client.get(url).content.decode()
    services.session_close(actor=None, session=talk, revisit_on=None)
    page = client.get(url)
    assert capture not in page.content.decode()
    assert "Record a problem raised here" not in text(page)


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_capture_page_refuses_a_closed_talk_and_says_why(client, world, talk, method):
    services.session_close(actor=None, session=talk, revisit_on=None)
    login(client, world.users["grid_worker"])
    url = reverse("cases:capture")
    if method == "get":
        response = client.get(url, {"session": talk.pk})
    else:
        response = client.post(
            url, {"session": talk.pk, "title": "楼门关不上", "place": world.building.code}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("outreach:detail", args=[talk.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [CLOSED]
    assert not Case.objects.exists()
