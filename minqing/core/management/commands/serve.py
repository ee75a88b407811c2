"""``minqing serve``: the demo's web server, with the background work in the same process.

Production runs the web server and the job runner, ``minqing qcluster``, apart
(docs/operations.md). The demo has nobody to set that up, so ``serve`` runs the same two jobs
itself in a thread: outbox messages (notifications, webhooks) go out within seconds of the
change, and the time-limit sweep runs every minute (docs/decisions/0011: one process, no
second writer polling the demo's SQLite file). ``--no-worker`` leaves that to ``qcluster``.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.translation import gettext as _

from minqing.cases.tick import tick
from minqing.jobs.tasks import deliver_soon
from minqing.notify.services import AFTER_PUT, outbox_deliver

logger = logging.getLogger(__name__)
DELIVER_EVERY = 3.0  # seconds
TICK_EVERY = 60.0


def work_once(*, sweep: bool) -> tuple[int, bool]:
    """Deliver what is due, and sweep the time limits when ``sweep``: one round of the worker.
    Returns (messages handled, swept)."""
    handled = outbox_deliver()
    if sweep:
        tick()
    return handled, sweep


def _worker(stop: threading.Event) -> None:
    last_sweep = 0.0
    while not stop.is_set():
        now = time.monotonic()
        close_old_connections()  # a connection of its own, fresh each round (as a request)
        try:
            work_once(sweep=now - last_sweep >= TICK_EVERY)
        except Exception:  # a bad round must not stop the next one; it is logged
            logger.exception("The demo's background work failed; it tries again.")
        finally:
            close_old_connections()
        if now - last_sweep >= TICK_EVERY:
            last_sweep = now
        stop.wait(DELIVER_EVERY)


class Command(BaseCommand):
    help = _("Serve minqing on http://127.0.0.1:8000 (for the demo; see docs/operations.md).")

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help=_("Do not deliver messages and sweep time limits in this process."),
        )

    def handle(self, *args, addrport: str, no_worker: bool = False, **options):
        # The static files (htmx, the stylesheet, the API docs' Swagger UI) are collected and
        # gzipped into MINQING_VAR_DIR/static, and WhiteNoise serves them (compressed to
        # browsers that accept it), not runserver's own uncompressed static handler.
        call_command("collectstatic", interactive=False, verbosity=0)
        if not no_worker:
            # The thread delivers; nothing is to be queued for a cluster that is not running.
            if deliver_soon in AFTER_PUT:
                AFTER_PUT.remove(deliver_soon)
            stop = threading.Event()
            threading.Thread(target=_worker, args=(stop,), daemon=True, name="minqing-work").start()
            self.stdout.write(
                _("Delivering messages every %(deliver)s s and sweeping time limits every minute.")
                % {"deliver": int(DELIVER_EVERY)}
            )
        call_command("runserver", addrport, use_reloader=False, use_static_handler=False)
