"""Regenerate the user guide's screenshots from the demo district, in real Chromium.

minqing setup-demo && minqing screenshots            # into docs/screenshots/
make screenshots                                      # the same on a scratch database
"""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from minqing.cases.models import Batch, Case, CaseState, VisitStatus
from minqing.demo.world import DEMO_PASSWORD
from minqing.outreach.models import OutreachSession

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


OFFLINE_SHOTS = ("offline-queue", "offline-sent")
# What the grid worker records with the network off (the demo's words).
OFFLINE_WORDS = ["楼道灯不亮，晚上老人上下楼看不见", "门口下水道堵了，污水漫到路上"]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):  # the command prints its own progress
        pass


def _pages() -> list[tuple[str, str | None, str, dict]]:
    """(file name, demo user or None for a resident, path, viewport)."""
    story = Case.objects.filter(title__startswith="义顺里7号楼门").first()
    session = story.session if story and story.session else OutreachSession.objects.first()
    triage = (
        Case.objects.filter(place__path__contains="/HYNL/", state=CaseState.ACCEPTED)
        .order_by("-reported_at")
        .first()
    )
    batch = Batch.objects.first()
    pages: list[tuple[str, str | None, str, dict]] = [
        ("field-home", "gridworker", "/field/", PHONE),
        ("field-capture", "gridworker", "/cases/new/", PHONE),
        ("triage", "community", "/cases/triage/", DESK),
        ("department-queue", "handler", "/cases/department/", DESK),
        ("overdue", "subdistrict", "/cases/overdue/", DESK),
        ("evening-talks", "community", "/talks/", DESK),
        ("dashboard", "leader", "/dashboards/", DESK),
        ("hot-issues", "leader", "/dashboards/hot/", DESK),
        ("departments", "leader", "/dashboards/departments/", DESK),
        ("department-figures", "water", "/dashboards/departments/D-WATER/", DESK),
        ("public-results", None, "/results/", PHONE),
        ("resident-report", None, "/report/?community=HYNL", PHONE),
        ("contact-card", None, "/contacts/HYNL-G1-B07/", PHONE),
    ]
    if triage:
        pages.append(("case-page", "community", f"/cases/{triage.code}/", DESK))
    if story:
        pages.append(("case-history", "community", f"/cases/{story.code}/", DESK))
    if session:
        pages.append(("evening-talk", "community", f"/talks/{session.pk}/", DESK))
    if batch:
        pages.append(("batch", "community", f"/batches/{batch.code}/", DESK))
    return pages


def _trackable() -> Case | None:
    """A resolved case with a pending return visit and a phone: the resident can rate it."""
    return (
        Case.objects.filter(
            state=CaseState.RESOLVED,
            visits__status__in=[VisitStatus.SCHEDULED, VisitStatus.OPEN],
        )
        .exclude(reporter_phone="")
        .order_by("-resolved_at")
        .first()
    )


class Command(BaseCommand):
    help = "Take the user guide's screenshots of the demo district (docs/screenshots/)."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(settings.BASE_DIR / "docs" / "screenshots"))
        parser.add_argument(
            "--language",
            default="en",
            help="interface language of the pages: en (the English guide) or zh-hans",
        )
        parser.add_argument(
            "--chromium", default=os.environ.get("MINQING_CHROMIUM", "/usr/bin/chromium")
        )

    def handle(self, *args, out: str, language: str, chromium: str, **options):
        if not Path(chromium).exists():
            raise CommandError(f"Chromium is needed at {chromium} (apt-get install chromium).")
        # Migrates and seeds the demo district unless it is there already.
        call_command("setup_demo", stdout=io.StringIO())
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        from playwright.sync_api import sync_playwright

        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        pages = _pages()
        tracked = _trackable()
        server = ThreadedWSGIServer(("127.0.0.1", 0), _QuietHandler)
        server.set_app(StaticFilesHandler(WSGIHandler()))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                for name, user, path, viewport in pages:
                    self._shot(
                        browser, base, language, folder / f"{name}.png", user, path, viewport
                    )
                if tracked is not None:
                    self._track(browser, base, language, folder / "resident-track.png", tracked)
                self._offline(browser, base, language, folder)
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
        count = len(pages) + (tracked is not None) + len(OFFLINE_SHOTS)
        self.stdout.write(f"{count} screenshots in {folder}")

    def _context(self, browser, base: str, language: str, viewport: dict):
        context = browser.new_context(
            viewport=viewport, locale="en-US" if language == "en" else "zh-CN"
        )
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        return context

    def _shot(self, browser, base, language, target: Path, user, path, viewport) -> None:
        context = self._context(browser, base, language, viewport)
        page = context.new_page()
        if user:
            page.goto(base + "/login/")
            page.fill("#id_username", user)
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(target), full_page=True)
        context.close()
        self.stdout.write(f"  {target.name}")

    def _track(self, browser, base, language, target: Path, case: Case) -> None:
        context = self._context(browser, base, language, PHONE)
        page = context.new_page()
        page.goto(base + "/track/")
        page.fill("#id_code", case.code)
        page.fill("#id_last4", case.reporter_phone[-4:])
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(target), full_page=True)
        context.close()
        self.stdout.write(f"  {target.name}")

    def _offline(self, browser, base, language, folder: Path) -> None:
        """The handbook without a signal (issue 9): two problems recorded offline wait on
        the phone (offline-queue), then go once the signal is back (offline-sent). They are
        recorded in the demo district like any other."""
        context = self._context(browser, base, language, PHONE)
        page = context.new_page()
        page.goto(base + "/login/")
        page.fill("#id_username", "gridworker")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        page.goto(base + "/cases/new/")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        context.route("**/*", lambda route: route.abort("internetdisconnected"))
        context.set_offline(True)
        page.reload()  # from the phone
        for n, words in enumerate(OFFLINE_WORDS):
            page.select_option("#id_place", index=n + 2)
            page.fill("#id_title", words)
            page.click("#capture button[type=submit]")
            page.locator("#queue .entry.waiting", has_text=words).wait_for()
        page.screenshot(path=str(folder / "offline-queue.png"), full_page=True)
        self.stdout.write("  offline-queue.png")
        context.unroute("**/*")
        context.set_offline(False)
        page.evaluate("document.querySelector('#queue button[data-send]').click()")
        for words in OFFLINE_WORDS:
            page.locator("#queue .entry.sent", has_text=words).wait_for()
        page.screenshot(path=str(folder / "offline-sent.png"), full_page=True)
        self.stdout.write("  offline-sent.png")
        context.close()
