"""Load the gazetteer: the Tajikistan admin areas shipped with the code, or a file given with --file."""

from django.core.management.base import BaseCommand, CommandError

from bma.core.errors import BmaError
from bma.geo.services import DEFAULT_AREAS_FILE, DEMO_VILLAGES_FILE, gazetteer_import_path


class Command(BaseCommand):
    help = "Import admin areas or villages from a CSV/XLSX file (default: the built-in Tajikistan areas)."

    def add_arguments(self, parser):
        parser.add_argument("--file", action="append", help="Areas or villages file; may be given more than once.")
        parser.add_argument(
            "--demo-villages", action="store_true", help="Also load a small set of illustrative villages."
        )
        parser.add_argument(
            "--missing-only",
            action="store_true",
            help="Only add rows whose code is not stored yet; stored rows keep their edits (for every start).",
        )

    def handle(self, *args, file=None, demo_villages=False, missing_only=False, **options):
        paths = file or [DEFAULT_AREAS_FILE]
        if demo_villages:
            paths.append(DEMO_VILLAGES_FILE)
        for path in paths:
            try:
                report = gazetteer_import_path(path, missing_only=missing_only)
            except FileNotFoundError as exc:
                raise CommandError(f"{path}: no such file") from exc
            except BmaError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"{path}: {report}")
