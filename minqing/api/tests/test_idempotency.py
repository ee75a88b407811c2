"""Idempotency-Key on every POST: the same request twice is answered once."""

from __future__ import annotations

import pytest

from minqing.api.models import IdempotencyRecord
from minqing.api.tests.helpers import error
from minqing.cases.models import Case, CaseEvent
from minqing.notify.models import OutboxMessage

REPORT = {"title": "楼门关不上", "category": "C01.01.01", "place": "HYNL-G1-B07"}


def written() -> tuple[int, int, int]:
    return Case.objects.count(), CaseEvent.objects.count(), OutboxMessage.objects.count()


def test_the_same_key_and_body_returns_the_first_answer_and_creates_nothing(api, world):
    client = api("grid_worker")
    first = client.post("/cases", REPORT, key="report-0001")
    assert first.status_code == 201
    after_first = written()
    again = client.post("/cases", REPORT, key="report-0001")
    assert again.status_code == 201
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert written() == after_first


def test_the_same_key_with_another_body_is_422(api, world):
    client = api("grid_worker")
    client.post("/cases", REPORT, key="report-0002")
    response = client.post("/cases", {**REPORT, "title": "别的事"}, key="report-0002")
    assert response.status_code == 422
    assert error(response)["code"] == "idempotency_key_reused"
    assert error(response)["field"] == "Idempotency-Key"
    assert Case.objects.count() == 1


def test_the_same_key_on_another_path_is_422(api, cases):
    case = cases.report()
    client = api("grid_worker")
    client.post(f"/cases/{case.code}/notes", {"note": "一"}, key="k", if_match="*")
    response = client.post("/cases", {"note": "一"}, key="k")
    assert response.status_code == 422


def test_keys_belong_to_one_person(api, world):
    one = api("grid_worker").post("/cases", REPORT, key="shared-key")
    two = api("street_cadre").post("/cases", REPORT, key="shared-key")
    assert one.status_code == two.status_code == 201
    assert one.json()["code"] != two.json()["code"]


def test_a_refused_request_is_not_kept_so_it_can_be_tried_again(api, cases):
    case = cases.report()
    client = api("grid_worker")
    missing = client.post(f"/cases/{case.code}/accept", {}, key="accept-1")
    assert missing.status_code == 428
    assert not IdempotencyRecord.objects.exists()
    done = client.post(
        f"/cases/{case.code}/accept", {}, key="accept-1", if_match=f'"{case.code}.v1"'
    )
    assert done.status_code == 200
    replay = client.post(
        f"/cases/{case.code}/accept", {}, key="accept-1", if_match=f'"{case.code}.v1"'
    )
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    case.refresh_from_db()
    assert case.version == 2


def test_a_transition_replayed_by_key_is_not_applied_twice(api, cases):
    case = cases.report()
    client = api("grid_worker")
    for _ in range(3):
        response = client.post(
            f"/cases/{case.code}/notes", {"note": "只记一次"}, key="note-1", if_match="*"
        )
        assert response.status_code == 200
    assert case.events.filter(action="note").count() == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "带中文", "has space"])
def test_a_malformed_key_is_400(api, world, key):
    response = api("grid_worker").client.post(
        "/api/v1/cases", REPORT, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert error(response)["field"] == "Idempotency-Key"
    assert Case.objects.count() == 0


def test_without_a_token_the_key_changes_nothing_and_it_is_401(world):
    from minqing.api.tests.helpers import ApiClient

    response = ApiClient(None).post("/cases", REPORT, key="anon")
    assert response.status_code == 401
    assert not IdempotencyRecord.objects.exists()


def test_every_post_in_the_openapi_document_takes_the_key(api, world):
    document = api("grid_worker").get("/openapi.json").json()
    posts = [op for item in document["paths"].values() for m, op in item.items() if m == "post"]
    assert len(posts) >= 15
    for operation in posts:
        names = [p["name"] for p in operation["parameters"]]
        assert "Idempotency-Key" in names, operation["operationId"]


def test_old_keys_are_forgotten_by_the_purge_command(api, world):
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    client = api("grid_worker")
    client.post("/cases", REPORT, key="old-key")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    client.post("/cases", {**REPORT, "title": "新的"}, key="new-key")
    call_command("purge_idempotency_keys", stdout=StringIO())
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new-key"]


def test_the_phone_number_is_never_copied_into_the_key_store(api, cases):
    case = cases.report()
    client = api("grid_worker")
    first = client.post(f"/cases/{case.code}/reveal-phone", key="look-1")
    assert first.json()["phone"] == "13812345678"
    assert first["Cache-Control"] == "no-store"
    assert not IdempotencyRecord.objects.exists()
    again = client.post(f"/cases/{case.code}/reveal-phone", key="look-1")
    assert again.status_code == 200
    assert case.events.filter(action="reveal_phone").count() == 2  # each look is recorded
