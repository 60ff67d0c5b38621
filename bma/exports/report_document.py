"""The round report as a document: its charts (inline SVG) and the printable A4 PDF.

The PDF is rendered from HTML by WeasyPrint with the fonts shipped in ``fonts/`` (DejaVu Sans covers
Russian and Tajik Cyrillic), so it is made the same way on a laptop, in CI and on a closed network: no
font lookup on the machine, no network.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from bma.exports.svg import bar_chart
from bma.xforms import codelists as cl
from bma.xforms.definitions import POPULATION_DEFINITIONS

FONTS = Path(__file__).resolve().parent / "fonts"

DEFAULT_DISCLAIMER = (
    "The findings, interpretations and conclusions expressed herein are based on key informants' estimates "
    "and direct observations, and do not necessarily reflect the views of the organisations that carried out "
    "or funded the assessment. The designations employed and the presentation of material do not imply the "
    "expression of any opinion concerning the legal status of any country, territory, city or area, or of its "
    "authorities, or concerning its frontiers or boundaries."
)


def report_charts(figures: dict) -> dict:
    """{population code: {chart name: svg}, "services": svg}: the charts the page and the PDF show."""
    charts = {}
    for pop in figures["populations"]:
        charts[pop["code"]] = {
            "provinces": bar_chart([(p["province"], p["share"]) for p in pop["by_province"]], unit="%"),
            "yearly": bar_chart([(str(y["year"]), y["total"]) for y in pop["yearly"]]),
            "reasons": bar_chart([(r["reason"], r["share"]) for r in pop["reasons"]], unit="%"),
            "countries": bar_chart([(c["country"], c["total"]) for c in pop.get("top_countries", [])]),
        }
    services = figures["services"]
    charts["services"] = bar_chart([(s["service"], s["no"]) for s in services["availability"]], unit="%")
    return charts


def report_document_html(figures: dict, published: dict | None = None) -> str:
    """The printable document in the published report's order: cover, key findings, each population,
    services, methodology and definitions, disclaimer. ``published``: version, date and publisher for
    the cover of a published version."""
    return render_to_string(
        "exports/report_document.html",
        {
            "f": figures,
            "charts": report_charts(figures),
            "published": published,
            "fonts": FONTS.as_uri(),
            "populations": [
                {"label": cl.POPULATIONS[code][0], "definition": text} for code, text in POPULATION_DEFINITIONS.items()
            ],
            "disclaimer": getattr(settings, "BMA_REPORT_DISCLAIMER", "") or DEFAULT_DISCLAIMER,
            "document": True,
        },
    )


def report_pdf(figures: dict, published: dict | None = None) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the PDF needs.
    from weasyprint import HTML

    html = report_document_html(figures, published)
    # base_url: the fonts are file: URLs; nothing else is fetched (no network, no machine fonts).
    return HTML(string=html, base_url=str(FONTS)).write_pdf()
