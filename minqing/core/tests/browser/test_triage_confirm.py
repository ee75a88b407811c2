"""Issue 15 in real Chromium: a router suggestion in triage asks for confirmation (with and
without JavaScript) before it dispatches, and the dispatcher can recall the case."""

from __future__ import annotations

import pytest

from minqing.cases import services
from minqing.cases.models import Case, CaseState

pytestmark = pytest.mark.django_db(transaction=True)


def web_report(world) -> Case:
    return services.case_report(
        actor=None,
        role="resident",
        title="楼门坏了关不上",
        description="晚上外人随意进出",
        category=world.door,
        place=world.building,
        channel="web",
        reporter_phone="13812345678",
    )


@pytest.mark.parametrize("javascript", [True, False])
def test_a_suggestion_is_confirmed_then_recalled(
    browser, live_server, world, train_router, javascript
):
    train_router(threshold=1.01)
    case = web_report(world)
    assert case.state == CaseState.REPORTED
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, java_script_enabled=javascript
    )
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", "cs")
        page.fill("#id_password", "pw")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        page.goto(live_server.url + "/cases/triage/")
        page.click("button:has-text('城乡建设 › 住房 › 楼门损坏: dispatch to 老旧房屋改造办')")
        # The second step names the department and the deadline; nothing has happened yet.
        page.locator("h1", has_text="Dispatch as the router suggests?").wait_for()
        assert page.locator("#route-plan", has_text="老旧房屋改造办").is_visible()
        case.refresh_from_db()
        assert case.state == CaseState.REPORTED
        page.click("button:has-text('Dispatch to 老旧房屋改造办')")
        page.locator(f"text={case.code} dispatched to 老旧房屋改造办").wait_for()
        assert page.url.endswith("/cases/triage/")
        case.refresh_from_db()
        assert (case.state, case.category) == (CaseState.DISPATCHED, world.door)

        page.goto(f"{live_server.url}/cases/{case.code}/")
        if not page.eval_on_selector("#recall", "d => d.open"):
            page.click("#recall summary")
        page.fill("#recall textarea[name=reason]", "派错部门了")
        page.click("#recall button[type=submit]")
        page.locator("text=Recalled: the case is back with you, to dispatch again.").wait_for()
        case.refresh_from_db()
        assert (case.state, case.assignee_department) == (CaseState.ACCEPTED, None)
    finally:
        context.close()
