import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.cases.models import Case
from minqing.core.demo import DEMO_PASSWORD, LOGINS, demo_exists, seed_demo, seed_intake
from minqing.open311.demo import seed_open311_demo
from minqing.people.models import Role
from minqing.routing.runtime import model_version


class Command(BaseCommand):
    help = _(
        "Migrate the database, seed the demo district, train the category router on its "
        "closed cases and report this evening's new cases (does nothing the second time)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)

    def handle(self, *args, cases: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if demo_exists():
            self.stdout.write(_("The demo district is already there."))
            if model_version() is None:
                self._train()
        else:
            started = time.monotonic()
            seed_demo(cases=cases)
            self.stdout.write(
                _("Seeded the demo district: %(cases)s cases in %(seconds).1f s.")
                % {"cases": Case.objects.count(), "seconds": time.monotonic() - started}
            )
            if self._train():
                new = seed_intake()
                routed = sum(1 for c in new if c.state == "dispatched")
                self.stdout.write(
                    _(
                        "Reported %(n)s new cases this evening: %(routed)s routed automatically, "
                        "%(triage)s waiting in triage with the router's suggestions."
                    )
                    % {"n": len(new), "routed": routed, "triage": len(new) - routed}
                )
        api_key = seed_open311_demo()
        self.stdout.write("")
        self.stdout.write(_("Open311 demo API key: %(key)s") % {"key": api_key})
        self.stdout.write(_("Demo log-ins (password: %(password)s):") % {"password": DEMO_PASSWORD})
        administrator = _("administrator")
        self.stdout.write(f"  admin            {administrator}")
        for username, full_name, role, where, _phone in LOGINS:
            self.stdout.write(f"  {username:<16} {Role(role).label} · {full_name} · {where}")

    def _train(self) -> bool:
        """Train the router on the demo's closed cases, printing the usual figures."""
        try:
            call_command("router", "train", "--from-cases", stdout=self.stdout)
        except Exception as exc:  # the demo works without a router, only less well
            self.stderr.write(_("The router was not trained: %(error)s") % {"error": exc})
            return False
        return True
