"""The phone's offline queue on the server: each entry key is recorded once (SQLite and
PostgreSQL), refusals say why in the user's language, and a lost answer can be asked again."""

from __future__ import annotations

import io
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from PIL import Image

from minqing.cases import services
from minqing.cases.models import Case, CaseEvent, ReturnVisit, VisitStatus
from minqing.core.tests.helpers import login
from minqing.places.models import Place, PlaceKind

SYNC = reverse("cases:sync")
SYNC_VISIT = reverse("cases:sync_visit")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def entry(**fields) -> dict:
    """A queued capture as the phone sends it."""
    return {
        "token": str(uuid.uuid4()),
        "place": "HYNL-G1-B07",
        "title": "单元门关不上",
        "urgency": "normal",
        "urgency_suggested": "normal",
        "channel": "household_visit",
        **fields,
    }


def _photo() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 80, 40)).save(buf, format="JPEG")
    buf.seek(0)
    buf.name = "door.jpg"
    return buf


def test_an_entry_is_recorded_once_whatever_the_number_of_sends(client, world):
    login(client, world.users["grid_worker"])
    data = entry()
    first = client.post(SYNC, data)
    assert first.status_code == 201
    body = first.json()
    assert body["created"] is True
    case = Case.objects.get()
    assert body["code"] == case.code
    assert body["url"] == reverse("cases:detail", kwargs={"code": case.code})
    assert str(case.client_key) == data["token"]
    assert case.created_by == world.users["grid_worker"]
    for _again in range(3):  # a resend, a double tap, a retry after a lost answer
        again = client.post(SYNC, data)
        assert again.status_code == 200
        assert again.json()["code"] == case.code
        assert again.json()["created"] is False
        assert "already recorded" in again.json()["message"]
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(case=case, action="report").count() == 1


def test_two_keys_are_two_cases(client, world):
    login(client, world.users["grid_worker"])
    codes = {client.post(SYNC, entry()).json()["code"] for _ in range(2)}
    assert len(codes) == 2


def test_a_resend_after_the_place_left_the_workers_scope_still_gets_its_case(client, world):
    """The first send got through but its answer was lost; the tree changed since."""
    login(client, world.users["grid_worker"])
    data = entry()
    code = client.post(SYNC, data).json()["code"]
    world.building.parent = world.other_grid
    world.building.save()
    again = client.post(SYNC, data)
    assert again.status_code == 200
    assert again.json()["code"] == code


def test_a_place_no_longer_in_scope_is_refused_with_the_reason(client, world, english):
    login(client, world.users["grid_worker"])
    response = client.post(SYNC, entry(place="HYNL-G2-B01"))  # the other grid's building
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["field"] == "place"
    assert "is not among your places" in body["message"]
    assert body["errors"]["place"] == [body["message"]]
    assert not Case.objects.exists()


def test_a_place_that_is_gone_is_refused_and_the_key_can_be_used_again(client, world):
    login(client, world.users["grid_worker"])
    data = entry(place="HYNL-G1-B99")
    assert client.post(SYNC, data).status_code == 400
    # The worker picks another building on the phone; the same key goes through.
    Place.objects.create(
        code="HYNL-G1-B99", name="义顺里9号", kind=PlaceKind.BUILDING, parent=world.grid
    )
    assert client.post(SYNC, data).status_code == 201
    assert Case.objects.count() == 1


def test_refusals_are_in_chinese_by_default(client, world):
    client.force_login(world.users["grid_worker"])
    body = client.post(SYNC, entry(title="", place="")).json()
    assert body["errors"]["place"] == ["请选择问题所在的楼栋（或整个网格）。"]
    assert "title" in body["errors"]


def test_a_key_that_is_not_a_uuid_is_refused(client, world, english):
    login(client, world.users["grid_worker"])
    response = client.post(SYNC, entry(token="not-a-key"))
    assert response.status_code == 400
    assert response.json()["field"] == "token"
    assert not Case.objects.exists()


def test_someone_elses_key_gives_nothing_away(client, world, english):
    data = entry()
    login(client, world.users["grid_worker"])
    code = client.post(SYNC, data).json()["code"]
    other = login(Client(), world.users["agency_cadre"])
    response = other.post(SYNC, data)
    assert response.status_code == 409
    assert code not in response.content.decode()
    assert Case.objects.count() == 1


def test_logged_out_is_401_not_a_redirect(client, world):
    response = client.post(SYNC, entry())
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_without_the_csrf_token_nothing_is_recorded(world):
    c = Client(enforce_csrf_checks=True)
    c.force_login(world.users["grid_worker"])
    assert c.post(SYNC, entry()).status_code == 403
    assert not Case.objects.exists()


def test_a_photo_is_stored_once(client, world):
    from minqing.cases.photos import photo_names

    login(client, world.users["grid_worker"])
    data = entry()
    assert client.post(SYNC, {**data, "photo": _photo()}).status_code == 201
    assert client.post(SYNC, {**data, "photo": _photo()}).status_code == 200
    assert len(photo_names(Case.objects.get())) == 1


def test_a_broken_photo_is_refused_and_nothing_is_written(client, world, english):
    login(client, world.users["grid_worker"])
    broken = io.BytesIO(b"\xff\xd8\xff\xe0 not really a jpeg")
    broken.name = "door.jpg"
    response = client.post(SYNC, {**entry(), "photo": broken})
    assert response.status_code == 400
    assert response.json()["field"] == "photo"
    assert not Case.objects.exists()


def test_a_long_text_becomes_the_description_and_its_first_sentence_the_title(client, world):
    login(client, world.users["grid_worker"])
    words = "义顺里7号大门有些老旧，关不严实。" + "晚上经常有外人进出，居民很担心安全问题，" * 12
    client.post(SYNC, entry(title=words))
    case = Case.objects.get()
    assert case.title == "义顺里7号大门有些老旧，关不严实。"
    assert case.description == words


def test_the_page_asks_for_the_message_only_when_it_shows_the_case(client, world, english):
    login(client, world.users["grid_worker"])
    code = client.post(SYNC, entry(show="1")).json()["code"]
    page = client.get(reverse("cases:detail", kwargs={"code": code}))
    assert f"Recorded as {code}." in page.content.decode()
    client.post(SYNC, entry())
    page = client.get(reverse("cases:field"))
    assert "Recorded as" not in page.content.decode()


def test_the_no_javascript_form_uses_its_token_as_the_key(client, world):
    login(client, world.users["grid_worker"])
    token = client.get(reverse("cases:capture")).context["form"].initial["token"]
    data = entry(token=token)
    client.post(reverse("cases:capture"), data)
    # The same entry queued by the page (its first key is the page's token): still one.
    assert client.post(SYNC, data).status_code == 200
    assert Case.objects.get().client_key == uuid.UUID(token)


# --- return visits ---------------------------------------------------------------------------


@pytest.fixture
def due_visit(world, cases):
    case = cases.in_state("resolved")
    visit = ReturnVisit.objects.get(case=case)
    visit.status = VisitStatus.OPEN
    visit.save(update_fields=["status"])
    return visit


def answer(visit, **fields) -> dict:
    return {
        "token": str(uuid.uuid4()),
        "visit": visit.pk,
        "method": "phone",
        "solved": "yes",
        "satisfied": "satisfied",
        "comment": "居民说门很好。",
        **fields,
    }


def test_a_queued_answer_is_recorded_once(client, world, due_visit):
    login(client, world.users["grid_worker"])
    data = answer(due_visit)
    first = client.post(SYNC_VISIT, data)
    assert first.status_code == 201
    assert first.json()["code"] == due_visit.case.code
    second = client.post(SYNC_VISIT, data)
    assert second.status_code == 200
    assert second.json()["created"] is False
    due_visit.refresh_from_db()
    assert due_visit.status == VisitStatus.DONE
    assert str(due_visit.client_key) == data["token"]
    assert CaseEvent.objects.filter(case=due_visit.case, action="return_visit").count() == 1
    assert Case.objects.get(pk=due_visit.case_id).state == "closed"


def test_an_answer_to_a_visit_recorded_meanwhile_is_refused_with_the_reason(
    client, world, due_visit, english
):
    services.return_visit_record(
        actor=world.users["community_staff"],
        visit=due_visit,
        method="phone",
        solved="yes",
        satisfied="satisfied",
    )
    login(client, world.users["grid_worker"])
    response = client.post(SYNC_VISIT, answer(due_visit))
    assert response.status_code == 409
    assert "no longer waiting" in response.json()["message"]


def test_an_incomplete_answer_is_refused_by_field(client, world, due_visit):
    login(client, world.users["grid_worker"])
    response = client.post(SYNC_VISIT, answer(due_visit, solved=""))
    assert response.status_code == 400
    assert "solved" in response.json()["errors"]
    due_visit.refresh_from_db()
    assert due_visit.status == VisitStatus.OPEN


# --- races (PostgreSQL) ----------------------------------------------------------------------


def _together(calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i):
        try:
            barrier.wait(10)
            results[i] = calls[i]()
        except BaseException as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_entry_make_one_case(world):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL; SQLite lets one writer in at a time")
    data = entry()
    clients = [login(Client(), world.users["grid_worker"]) for _ in range(6)]
    responses = _together([lambda c=c: c.post(SYNC, data) for c in clients])
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
    assert len({r.json()["code"] for r in responses}) == 1
    assert Case.objects.count() == 1
    assert CaseEvent.objects.filter(action="report").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_of_one_answer_record_it_once(world, cases):
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL; SQLite lets one writer in at a time")
    case = cases.in_state("resolved")
    visit = ReturnVisit.objects.get(case=case)
    visit.status = VisitStatus.OPEN
    visit.save(update_fields=["status"])
    data = answer(visit)
    clients = [login(Client(), world.users["grid_worker"]) for _ in range(6)]
    responses = _together([lambda c=c: c.post(SYNC_VISIT, data) for c in clients])
    assert sorted(r.status_code for r in responses) == [200] * 5 + [201]
    assert CaseEvent.objects.filter(case=case, action="return_visit").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_service_waits_for_the_first_writer_and_returns_its_case(world):
    """case_report_once itself, two threads at once (no view in between)."""
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL; SQLite lets one writer in at a time")
    key = uuid.uuid4()

    def report():
        return services.case_report_once(
            client_key=key,
            actor=world.users["grid_worker"],
            title="楼门关不上",
            category=world.door,
            place=world.building,
            channel="household_visit",
        )

    results = _together([report, report, report])
    assert all(isinstance(r, tuple) for r in results), results
    assert len({case.pk for case, _created in results}) == 1
    assert sorted(created for _case, created in results) == [False, False, True]


# --- the web app: service worker, manifest, the visits page ----------------------------------


def test_the_service_worker_is_served_from_the_root_uncached(client, world):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    body = response.content.decode()
    for page in ("/field/", "/cases/new/", "/cases/visits/", "/contacts/"):
        assert f'"{page}"' in body
    assert "/static/minqing/queue.js" in body


def test_the_manifest_names_the_handbook_and_its_icons(client, world):
    from django.contrib.staticfiles import finders

    data = client.get("/manifest.webmanifest").json()
    assert data["name"] == "民情手册"
    assert data["start_url"] == "/field/"
    assert data["display"] == "standalone"
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


def test_only_field_roles_get_the_service_worker(client, world):
    login(client, world.users["grid_worker"])
    assert 'data-sw="/sw.js"' in client.get(reverse("cases:field")).content.decode()
    login(client, world.users["handler"])
    assert 'data-sw=""' in client.get(reverse("cases:department")).content.decode()


def test_the_visits_page_answers_a_visit_without_javascript_too(client, world, due_visit):
    login(client, world.users["grid_worker"])
    page = client.get(reverse("cases:visits")).content.decode()
    action = reverse("cases:action", kwargs={"code": due_visit.case.code, "action": "return_visit"})
    assert f'action="{action}"' in page
    assert 'data-queue="visit"' in page
    response = client.post(
        action,
        {
            "version": due_visit.case.version,
            "visit": due_visit.pk,
            "method": "phone",
            "solved": "yes",
            "satisfied": "satisfied",
        },
    )
    assert response.status_code == 302
    due_visit.refresh_from_db()
    assert due_visit.status == VisitStatus.DONE


def test_the_capture_page_has_no_inline_script_or_style(client, world):
    login(client, world.users["grid_worker"])
    for url in (reverse("cases:capture"), reverse("cases:field"), reverse("cases:visits")):
        html = client.get(url).content.decode()
        assert "<style" not in html
        assert 'style="' not in html
        assert all(' src="' in tag for tag in html.split("<script")[1:]), url


def test_a_refusal_of_the_service_names_the_forms_field(client, world, english):
    login(client, world.users["grid_worker"])
    body = client.post(SYNC, entry(reporter_phone="12345")).json()
    assert body["field"] == "reporter_phone"
    assert "is not a phone number" in body["errors"]["reporter_phone"][0]
    assert not Case.objects.exists()
