"""The `civicgrid` console command: the project's manage.py.

Every management command runs as `civicgrid <command>`, e.g. `civicgrid territory validate`.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["civicgrid", *(argv if argv is not None else sys.argv[1:])])


if __name__ == "__main__":
    main()
