from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from minqing.open311.demo import seed_open311_demo


class Command(BaseCommand):
    help = _("Add the Open311 demo integrator, its API key and demo service attributes.")

    def handle(self, *args, **options):
        key = seed_open311_demo()
        self.stdout.write(_("Open311 demo api_key: %(key)s") % {"key": key})
