import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.commands.migrate import Command as MigrateCommand
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from minqing.cases.models import Case
from minqing.demo.world import DAYS, DEMO_PASSWORD, LOGINS, demo_exists, seed_demo, seed_intake
from minqing.lib.progress import ProgressCallback, Steps, command_steps
from minqing.open311.demo import seed_open311_demo
from minqing.people.models import Role
from minqing.places.models import Place
from minqing.routing.runtime import model_version


class _Migrate(MigrateCommand):
    """``migrate`` that reports each applied migration instead of printing it."""

    def __init__(self, progress: ProgressCallback, total: int) -> None:
        super().__init__()
        self.progress, self.total, self.applied = progress, total, 0

    def migration_progress_callback(self, action, migration=None, fake=False):
        if action in ("apply_success", "unapply_success"):
            self.applied += 1
            self.progress(self.applied, self.total)


def _demo_there() -> bool:
    """Whether the demo is seeded, asked before migrating (there may be no tables yet)."""
    try:
        return Place._meta.db_table in connection.introspection.table_names() and demo_exists()
    except DatabaseError:
        return False


class Command(BaseCommand):
    help = _(
        "Migrate the database, seed the demo district, train the category router on its "
        "closed cases and report this evening's new cases (does nothing the second time)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)

    def handle(self, *args, cases: int, **options):
        there = _demo_there()
        train = not there or model_version() is None
        # Migrate, (seed), (train), (report this evening's cases), Open311.
        steps = command_steps(self, 5 if not there else 2 + int(train), options)
        self._migrate(steps)
        if there:
            self.stdout.write(_("The demo district is already there."))
            if train:
                self._train(steps)
        else:
            steps.step(
                _("Seeding the demo district: playing %(days)s days of %(cases)s cases…")
                % {"days": DAYS, "cases": cases}
            )
            started = time.monotonic()
            seed_demo(cases=cases, progress=steps.update)
            steps.done()
            self.stdout.write(
                _("Seeded the demo district: %(cases)s cases in %(seconds).1f s.")
                % {"cases": Case.objects.count(), "seconds": time.monotonic() - started}
            )
            if self._train(steps):
                steps.step(_("Reporting this evening's new cases…"))
                new = seed_intake()
                steps.done()
                routed = sum(1 for c in new if c.state == "dispatched")
                self.stdout.write(
                    _(
                        "Reported %(n)s new cases this evening: %(routed)s routed automatically, "
                        "%(triage)s waiting in triage with the router's suggestions."
                    )
                    % {"n": len(new), "routed": routed, "triage": len(new) - routed}
                )
            else:
                steps.skip()  # no router, no new cases of this evening
        steps.step(_("Setting up the Open311 demo integrator…"))
        api_key = seed_open311_demo()
        steps.done()
        self.stdout.write("")
        self.stdout.write(_("Open311 demo API key: %(key)s") % {"key": api_key})
        self.stdout.write(_("Demo log-ins (password: %(password)s):") % {"password": DEMO_PASSWORD})
        administrator = _("administrator")
        self.stdout.write(f"  admin            {administrator}")
        for username, full_name, role, where, _phone in LOGINS:
            self.stdout.write(f"  {username:<16} {Role(role).label} · {full_name} · {where}")

    def _migrate(self, steps: Steps) -> None:
        executor = MigrationExecutor(connection)
        pending = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
        if pending:
            steps.step(_("Migrating the database: %(n)s migrations to apply…") % {"n": pending})
        else:
            steps.step(_("Migrating the database: up to date."))
        call_command(_Migrate(steps.update, pending), interactive=False, verbosity=0)
        steps.done()

    def _train(self, steps: Steps) -> bool:
        """Train the router on the demo's closed cases, printing the usual figures."""
        steps.step(_("Training the category router on the closed cases…"))
        steps.done()  # its figures follow on stdout
        try:
            call_command("router", "train", "--from-cases", stdout=self.stdout, verbosity=0)
        except Exception as exc:  # the demo works without a router, only less well
            self.stderr.write(_("The router was not trained: %(error)s") % {"error": exc})
            return False
        return True
