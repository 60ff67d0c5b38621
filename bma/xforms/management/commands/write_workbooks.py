"""Write forms_xls/*.xlsx from bma/xforms/workbooks.py (after changing a label, a list or a version)."""

from django.core.management.base import BaseCommand

from bma.xforms.workbooks import write_workbooks


class Command(BaseCommand):
    help = "Regenerate the XLSForm workbooks in forms_xls/ from the form tables in code."

    def handle(self, *args, **options):
        for path in write_workbooks():
            self.stdout.write(f"wrote {path}")
