import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.people.selectors import team_problem_lines, team_report


class Command(BaseCommand):
    help = _("List grids whose 1+2+N service team is incomplete (exit 1 if any).")

    def handle(self, *args, **options):
        report = team_report()
        problems = team_problem_lines(report)
        for line in problems:
            self.stdout.write(line)
        self.stdout.write(
            _("%(complete)s of %(total)s grid teams are complete.")
            % {"complete": len(report) - len(problems), "total": len(report)}
        )
        if problems:
            sys.exit(1)
