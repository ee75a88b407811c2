"""Reply quality (issue 8, point 4): the check's four reasons, the refusal and the override in
the service, the case page, the JSON API, and the dashboard's counts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from minqing.api.tests.helpers import ApiClient, error
from minqing.cases import services
from minqing.cases.models import Case, CaseEvent
from minqing.cases.replies import ReplyFlagged, reply_check
from minqing.core.tests.helpers import login, text

CASE = "义顺里7号楼门关不上 楼门老化，晚上关不上，有安全隐患。"
GOOD = "已更换义顺里7号楼的新楼门，门锁已调试，晚上可以正常关闭，安全隐患已排除。"


def codes(reply: str, **kw) -> list[str]:
    kw.setdefault("case_text", CASE)
    return [flag.code for flag in reply_check(reply, **kw)]


@pytest.fixture
def refusing(settings):
    settings.MINQING_REPLY_CHECK_REFUSES = True


# --- the check ---------------------------------------------------------------------------


def test_a_reply_that_says_what_was_done_about_the_case_is_not_flagged():
    assert codes(GOOD) == []


def test_a_reply_under_the_minimum_is_too_short(settings):
    settings.MINQING_REPLY_MIN_CHARS = 15
    assert "too_short" in codes("楼门已修好。")
    assert "too_short" not in codes("义顺里7号楼门已经换新，现在可以关严。")


def test_stock_phrases_alone_are_a_bare_template():
    reply = (
        "网友“UU008249”您好！您反映的问题已收悉，已转交相关部门调查处理，"
        "感谢您的支持！2019年10月10日"
    )
    assert "template" in codes(reply)
    assert "template" not in codes(GOOD)


def test_the_stock_phrases_are_a_setting(settings):
    reply = "您好，今天下午物业师傅来过了，楼门一切都好了。"
    assert "template" not in codes(reply)
    settings.MINQING_REPLY_STOCK_PHRASES = ["您好", "今天下午物业师傅来过了", "一切都好了"]
    assert "template" in codes(reply)


def test_a_reply_with_no_word_of_the_case_is_not_about_it():
    reply = "已安排维修人员上门处理完毕，并向居民当面说明了具体情况和后续安排。"
    assert "off_topic" in codes(reply)
    assert "off_topic" not in codes(GOOD)


def test_a_case_without_words_cannot_make_a_reply_off_topic():
    assert "off_topic" not in codes(GOOD, case_text="")


def test_a_reply_near_identical_to_another_recent_one_is_copied():
    other = GOOD.replace("，", " ")
    assert "copied" in codes(GOOD, other_replies=["无关的答复，说的是路灯。", other])
    assert "copied" not in codes(
        GOOD, other_replies=["已修复华荫南里3号楼的路灯，晚上照明恢复正常。"]
    )


def test_each_flag_has_a_message():
    [flag] = [f for f in reply_check("楼门已修好。", case_text=CASE) if f.code == "too_short"]
    assert flag.code == "too_short" and "15" in str(flag.message)
    assert flag.as_data() == {"code": "too_short", "message": str(flag.message)}


# --- the service ---------------------------------------------------------------------------


def test_the_service_refuses_a_flagged_reply_without_a_reason(refusing, cases, world):
    case = cases.in_state("in_progress")
    with pytest.raises(ReplyFlagged) as refused:
        services.case_resolve(
            actor=world.users["handler"], case=case, version=case.version, reply="已修好。"
        )
    assert refused.value.field == "reply"
    assert {f.code for f in refused.value.flags} >= {"too_short"}
    case.refresh_from_db()
    assert case.state == "in_progress"


def test_with_a_reason_the_flagged_reply_is_sent_and_both_are_recorded(refusing, cases, world):
    case = cases.in_state("in_progress")
    services.case_resolve(
        actor=world.users["handler"],
        case=case,
        version=case.version,
        reply="已修好。",
        override_reason="居民当面确认过，只需一句话。",
    )
    event = CaseEvent.objects.get(case=case, action="resolve")
    assert "too_short" in [f["code"] for f in event.data["reply_flags"]]
    assert event.data["override"] == "居民当面确认过，只需一句话。"


def test_a_good_reply_records_no_flags(refusing, cases, world):
    case = cases.in_state("in_progress")
    services.case_resolve(actor=world.users["handler"], case=case, version=case.version, reply=GOOD)
    assert CaseEvent.objects.get(case=case, action="resolve").data == {}


def test_a_reply_copied_from_another_case_of_the_department_is_flagged(refusing, cases, world):
    first, second = cases.in_state("in_progress"), cases.in_state("in_progress")
    h = world.users["handler"]
    services.case_resolve(actor=h, case=first, version=first.version, reply=GOOD)
    with pytest.raises(ReplyFlagged) as refused:
        services.case_resolve(actor=h, case=second, version=second.version, reply=GOOD)
    assert [f.code for f in refused.value.flags] == ["copied"]


def test_solved_on_the_spot_records_flags_but_never_refuses(refusing, world):
    case = services.case_report(
        actor=world.users["grid_worker"],
        title="义顺里7号楼门关不上",
        category=world.door,
        place=world.building,
        channel="household_visit",
        solved_on_spot=True,
        reply="修好了",
    )
    assert case.state == "resolved"
    event = CaseEvent.objects.get(case=case, action="solve_on_spot")
    assert "too_short" in [f["code"] for f in event.data["reply_flags"]]


def test_a_batch_resolve_records_flags_but_never_refuses(refusing, cases, world):
    a, b = cases.in_state("in_progress"), cases.in_state("in_progress")
    batch = services.batch_create(actor=world.users["leader"], title="楼门", cases=[a, b])
    services.batch_resolve(actor=world.users["leader"], batch=batch, reply="已修")
    flags = [e.data["reply_flags"] for e in CaseEvent.objects.filter(action="batch_resolve")]
    assert len(flags) == 2 and all("too_short" in [f["code"] for f in x] for x in flags)
    assert all("copied" not in [f["code"] for f in x] for x in flags)


# --- the case page -------------------------------------------------------------------------


def test_the_case_page_shows_the_reasons_and_asks_why_to_send_anyway(
    refusing, client, cases, world
):
    case = cases.in_state("in_progress")
    login(client, world.users["handler"])
    url = reverse("cases:action", args=[case.code, "resolve"])
    shown = client.post(url, {"version": case.version, "reply": "已修好。"})
    assert shown.status_code == 400
    page = text(shown)
    assert "too short" in page and "Send anyway, because" in page
    case.refresh_from_db()
    assert case.state == "in_progress"
    sent = client.post(
        url, {"version": case.version, "reply": "已修好。", "override_reason": "居民已当面确认。"}
    )
    assert sent.status_code == 302
    case.refresh_from_db()
    assert case.state == "resolved"


# --- the JSON API --------------------------------------------------------------------------


def _etag(case: Case) -> str:
    case.refresh_from_db()
    return f'"{case.code}.v{case.version}"'


def test_the_api_answers_422_with_the_reasons_and_takes_an_override(refusing, cases, world):
    case = cases.in_state("in_progress")
    handler = ApiClient(world.users["handler"])
    path = f"/cases/{case.code}/resolve"
    refused = handler.post(path, {"reply": "已修好。"}, if_match=_etag(case))
    assert refused.status_code == 422
    body = error(refused)
    assert body["code"] == "reply_flagged" and body["field"] == "reply"
    assert "too_short" in [d["code"] for d in body["details"]]
    sent = handler.post(
        path, {"reply": "已修好。", "override_reason": "居民已当面确认。"}, if_match=_etag(case)
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["state"] == "resolved"


# --- the dashboards ------------------------------------------------------------------------


def test_the_dashboards_count_flagged_replies(refusing, client, cases, world):
    h = world.users["handler"]
    flagged, fine = cases.in_state("in_progress"), cases.in_state("in_progress")
    services.case_resolve(
        actor=h, case=flagged, version=flagged.version, reply="已修好。", override_reason="急"
    )
    services.case_resolve(actor=h, case=fine, version=fine.version, reply=GOOD)
    from minqing.dashboards import rankings
    from minqing.dashboards.selectors import flagged_replies_total
    from minqing.lib import clock

    now = clock.now()
    since, until = now.replace(year=now.year - 1), now.replace(year=now.year + 1)
    counted = rankings.flagged_replies(world.housing, since, until)
    assert counted.total == 1 and counted.overridden == 1
    assert max(n for _label, n in counted.by_reason) == 1
    assert flagged_replies_total(world.district, since, until) == 1
    login(client, world.users["leader"])
    page = client.get(reverse("dashboards:department", args=[world.housing.code]))
    assert page.status_code == 200
    assert "1 reply was flagged" in text(page)
    home = client.get(reverse("dashboards:home"))
    assert home.status_code == 200 and 'id="flagged-replies"' in home.content.decode()


# --- the bench -----------------------------------------------------------------------------

BENCH = Path(__file__).resolve().parents[3] / "bench" / "reply_quality.py"


def _bench():
    spec = importlib.util.spec_from_file_location("reply_quality_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_bench_measures_a_sample_of_the_real_replies():
    bench = _bench()
    if not bench.available():
        pytest.skip(f"the shared data is absent ({bench.REPLIES})")
    rows = bench.load(limit=300)
    m = bench.measure(rows, window=50)
    assert m["replies"] == 300
    for key in ("precision", "recall", "f1", "median_ms"):
        assert 0.0 <= m[key] <= (1.0 if key != "median_ms" else 1000.0)
    assert set(m["reasons"]) <= {"too_short", "template", "off_topic", "copied"}
