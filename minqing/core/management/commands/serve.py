from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _("Serve minqing on http://127.0.0.1:8000 (for the demo; see docs/operations.md).")

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        # The static files (htmx, the stylesheet, the API docs' Swagger UI) are collected and
        # gzipped into MINQING_VAR_DIR/static, and WhiteNoise serves them (compressed to
        # browsers that accept it), not runserver's own uncompressed static handler.
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("runserver", addrport, use_reloader=False, use_static_handler=False)
