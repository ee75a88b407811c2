"""The ``minqing`` console command: ``minqing setup-demo``, ``minqing tick`` …

Every Django management command is available with dashes for underscores.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minqing.settings")
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["minqing", *args[1:]])


if __name__ == "__main__":
    main()
