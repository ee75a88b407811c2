from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.cases.tick import tick


class Command(BaseCommand):
    help = _("Mark overdue cases, escalate them one level and open due return visits.")

    def handle(self, *args, **options):
        result = tick()
        self.stdout.write(
            _("overdue: %(overdue)s, escalated: %(escalated)s, return visits opened: %(visits)s")
            % {
                "overdue": result.overdue,
                "escalated": result.escalated,
                "visits": result.visits_opened,
            }
        )
