"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body (fixtures, assertions) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("MINQING_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 640}
DESK = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Session:
    """One person's browser context: log in, go to pages, in English unless asked."""

    def __init__(
        self,
        browser,
        base: str,
        *,
        viewport=DESK,
        language: str | None = "en",
        service_workers: str = "allow",
    ):
        self.base = base
        locale = "en-US" if language == "en" else "zh-CN"
        self.context = browser.new_context(
            viewport=viewport, locale=locale, service_workers=service_workers
        )
        if language:
            self.context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()

    def go(self, path: str):
        self.page.goto(self.base + path)
        return self.page

    def login(self, username: str, password: str = "pw"):
        page = self.go("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        return page

    def close(self):
        self.context.close()


@pytest.fixture
def open_session(browser, live_server):
    sessions: list[Session] = []

    def make(**kwargs) -> Session:
        s = Session(browser, live_server.url, **kwargs)
        sessions.append(s)
        return s

    yield make
    for s in sessions:
        s.close()
