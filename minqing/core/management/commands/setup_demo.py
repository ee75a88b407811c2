import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.cases.models import Case
from minqing.core.demo import DEMO_PASSWORD, LOGINS, demo_exists, seed_demo
from minqing.people.models import Role


class Command(BaseCommand):
    help = _("Migrate the database and seed the demo district (does nothing the second time).")

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)

    def handle(self, *args, cases: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if demo_exists():
            self.stdout.write(_("The demo district is already there."))
        else:
            started = time.monotonic()
            seed_demo(cases=cases)
            self.stdout.write(
                _("Seeded the demo district: %(cases)s cases in %(seconds).1f s.")
                % {"cases": Case.objects.count(), "seconds": time.monotonic() - started}
            )
        self.stdout.write("")
        self.stdout.write(_("Demo log-ins (password: %(password)s):") % {"password": DEMO_PASSWORD})
        administrator = _("administrator")
        self.stdout.write(f"  admin            {administrator}")
        for username, full_name, role, where, _phone in LOGINS:
            self.stdout.write(f"  {username:<16} {Role(role).label} · {full_name} · {where}")
