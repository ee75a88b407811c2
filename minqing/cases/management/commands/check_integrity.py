import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.cases.integrity import check_integrity


class Command(BaseCommand):
    help = _("Replay every case's events; list cases whose stored state differs (exit 1).")

    def handle(self, *args, **options):
        found = 0
        for mismatch in check_integrity():
            found += 1
            self.stdout.write(f"{mismatch.code}\t{mismatch.problem}")
        if found:
            self.stderr.write(_("%(count)s problems found.") % {"count": found})
            sys.exit(1)
        self.stdout.write(_("Every case's history replays to its stored state."))
