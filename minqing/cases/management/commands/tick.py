from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.cases.tick import tick
from minqing.lib import clock


class Command(BaseCommand):
    help = _(
        "Mark overdue cases and escalate them up their district's ladder, open due return "
        "visits and flag late ones."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--at",
            metavar="DATETIME",
            help=_(
                "Sweep as if it were this time (ISO 8601, e.g. 2026-12-31T09:00; the server's "
                "time zone unless an offset is given). For trying the ladder on a demo."
            ),
        )

    def handle(self, *args, **options):
        moment = clock.now()
        if options["at"]:
            try:
                moment = datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(
                    _("--at: %(value)s is not a date and time such as 2026-12-31T09:00.")
                    % {"value": options["at"]}
                ) from None
            if timezone.is_naive(moment):
                moment = timezone.make_aware(moment)
        with clock.at(moment):
            result = tick(now=moment)
        self.stdout.write(
            _(
                "overdue: %(overdue)s, escalated: %(escalated)s, return visits opened: "
                "%(visits)s, return visits late: %(late)s, late whistle calls: %(whistles)s"
            )
            % {
                "overdue": result.overdue,
                "escalated": result.escalated,
                "visits": result.visits_opened,
                "late": result.visits_overdue,
                "whistles": result.whistle_calls_late,
            }
        )
