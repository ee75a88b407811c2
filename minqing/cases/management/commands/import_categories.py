from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from minqing.cases.importers import categories_import
from minqing.lib.errors import DomainError
from minqing.lib.progress import command_steps


class Command(BaseCommand):
    help = _("Import a three-level category tree from an .xlsx or .csv file (idempotent).")

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        steps = command_steps(self, 2, options)
        steps.step(_("Reading %(file)s…") % {"file": file})

        def progress(done: int, total: int) -> None:
            if done == 0:  # the file is read: the rows come next
                steps.step(_("Importing %(rows)s rows…") % {"rows": total})
            steps.update(done, total)

        try:
            result = categories_import(path=file, progress=progress)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            steps.done()
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
