from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.api.models import IdempotencyRecord
from minqing.lib import clock


class Command(BaseCommand):
    help = _("Forget Idempotency-Key answers older than --hours (default 24); run daily.")

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args, hours: int, **options):
        before = clock.now() - timedelta(hours=hours)
        deleted, _rows = IdempotencyRecord.objects.filter(created_at__lt=before).delete()
        self.stdout.write(_("forgotten: %(count)s") % {"count": deleted})
