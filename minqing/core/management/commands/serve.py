from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _("Serve minqing on http://127.0.0.1:8000 (for the demo; see docs/operations.md).")

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        # insecure_serving: the demo server also serves the static files (htmx, the stylesheet).
        call_command("runserver", addrport, use_reloader=False, insecure_serving=True)
