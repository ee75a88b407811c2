from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minqing.cases.importers import categories_import
from minqing.core.errors import DomainError


class Command(BaseCommand):
    help = _("Import a three-level category tree from an .xlsx or .csv file (idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            result = categories_import(path=file)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "%(rows)s rows: %(created)s categories created, %(existing)s already there, "
                "%(updated)s updated."
            )
            % {
                "rows": result.rows,
                "created": result.created,
                "existing": result.existing,
                "updated": result.updated,
            }
        )
