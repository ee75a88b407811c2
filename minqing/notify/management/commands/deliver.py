import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.notify.services import outbox_deliver


class Command(BaseCommand):
    help = _("Deliver pending outbox messages (once, or in a loop with --loop).")

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=float, default=5.0)

    def handle(self, *args, loop: bool, interval: float, **options):
        while True:
            sent = outbox_deliver()
            self.stdout.write(_("delivered: %(count)s") % {"count": sent})
            if not loop:
                return
            time.sleep(interval)
