from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minqing.api.auth import token_create
from minqing.people.models import User


class Command(BaseCommand):
    help = _("Make an API token for a person and print it (it is shown only this once).")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="")

    def handle(self, *args, username: str, name: str, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("There is no active user %(name)s.") % {"name": username})
        _token, raw = token_create(user=user, name=name)
        self.stdout.write(raw)
