"""Open311 GET never shows who reported: no name, phone or e-mail, in either format."""

from __future__ import annotations

import pytest

from minqing.open311.models import CaseRedaction
from minqing.open311.present import public_text

FORMATS = ["xml", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_reporter_never_appears_in_get_requests(open311, api_key, world, fmt):
    open311.post(
        api_key=api_key,
        service_code="C01.01.01",
        address_id="HYNL-G1-B07",
        description="楼门坏了，我是王秀英，电话13812345678，邮箱wang@example.com，座机022-23456789。",
        first_name="秀英",
        last_name="王",
        phone="13812345678",
        email="wang@example.com",
    )
    for path in (
        "requests",
        "requests/" + open311.json(open311.get("requests"))[0]["service_request_id"],
    ):
        body = open311.get(path, fmt).content.decode("utf-8")
        for secret in ("王秀英", "13812345678", "wang@example.com", "23456789"):
            assert secret not in body
        assert "138****5678" in body  # the sentence still reads


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_moderators_redaction_replaces_the_public_description(open311, cases, world, fmt):
    case = cases.report(description="隔壁张三家天天吵架，他家孩子叫张小明。")
    CaseRedaction.objects.create(
        case=case,
        public_description="邻里噪音纠纷。",
        redacted_by=world.users["community_staff"],
    )
    [item] = open311.items(open311.get(f"requests/{case.code}", fmt), fmt)
    assert item["description"] == "邻里噪音纠纷。"
    case.refresh_from_db()
    assert case.description == "隔壁张三家天天吵架，他家孩子叫张小明。"  # the record keeps it


def test_cases_from_other_channels_show_their_description_masked(open311, cases):
    case = cases.report(description="王阿姨说楼门坏了，回电13812345678。", reporter_name="王阿姨")
    [item] = open311.json(open311.get(f"requests/{case.code}"))
    assert item["description"] == "王**说楼门坏了，回电138****5678。"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call 13912345678 now", "call 139****5678 now"),
        ("+86 139 1234 5678", "139****5678"),
        ("座机022-23456789", "座机022-****6789"),
        ("写信到 li.lei@example.org", "写信到 l***@example.org"),
        ("门牌20号，2020年", "门牌20号，2020年"),
    ],
)
def test_public_text_masks_numbers_and_addresses(text, masked):
    assert public_text(text) == masked
