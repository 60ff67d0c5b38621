"""Record the reference figures the demo sets beside its estimates (run by `demo_round`)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from bma.exports.models import ReferenceFigure
from bma.geo.models import AdminArea

# The figures the 2024 news piece on Asht quotes from the Migration Service (Sughd office) for the
# district's residents in labour migration abroad, entered as a coordinator would.
NEWS_DISTRICT = "TJ-SU-ASH"
NEWS_SOURCE = "Migration Service, Ministry of Labour (Sughd office)"
NEWS_FIGURES = (
    (dt.date(2023, 12, 31), 17_500, "End of 2023, as quoted by Asia-Plus (2024)."),
    (dt.date(2024, 7, 1), 24_000, "July 2024, as quoted by Asia-Plus (2024)."),
)


class Command(BaseCommand):
    help = "Record the Migration Service's figures for Asht as reference figures (demo data; idempotent)."

    def handle(self, *args, **options):
        district = AdminArea.objects.filter(code=NEWS_DISTRICT).first()
        if district is None:
            raise CommandError(f"{NEWS_DISTRICT} is not in the gazetteer: run `manage.py load_gazetteer` first.")
        for as_of, value, note in NEWS_FIGURES:
            ReferenceFigure.objects.get_or_create(
                area=district,
                population="emi",
                source=NEWS_SOURCE,
                as_of=as_of,
                defaults={"value": value, "note": note},
            )
        self.stdout.write(f"Reference figures for {district}: {len(NEWS_FIGURES)}")
