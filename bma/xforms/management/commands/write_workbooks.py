"""Write forms_xls/*.xlsx from bma/xforms/workbooks.py (after changing a label, a list or a version)."""

from django.core.management.base import BaseCommand

from bma.xforms.forms_files import forms_xls_write


class Command(BaseCommand):
    help = (
        "Regenerate the XLSForm workbooks in forms_xls/ from the form tables in code: the shared B1, B2 and "
        "spot-check forms, and the round B2 for an example round (b2_village_round.xlsx)."
    )

    def handle(self, *args, **options):
        for path in forms_xls_write():
            self.stdout.write(f"wrote {path}")
