"""The round report as a document: its charts (inline SVG) and the printable A4 PDF.

The PDF is rendered from HTML by WeasyPrint with the fonts shipped in ``fonts/`` (DejaVu Sans covers
Russian and Tajik Cyrillic), so it is made the same way on a laptop, in CI and on a closed network: no
font lookup on the machine, no network.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from bma.exports.report_language import LABEL_INDEX
from bma.exports.svg import bar_chart, points_map
from bma.xforms import codelists as cl
from bma.xforms.definitions import POPULATION_DEFINITIONS

HERE = Path(__file__).resolve().parent
STYLESHEET = HERE / "report_document.css"  # its font URLs are relative to it: fonts/DejaVuSans.ttf

# Translated where it is printed (the catalogues hold it); marked here for extraction.
DEFAULT_DISCLAIMER = gettext_noop(
    "The findings, interpretations and conclusions expressed herein are based on key informants' estimates "
    "and direct observations, and do not necessarily reflect the views of the organisations that carried out "
    "or funded the assessment. The designations employed and the presentation of material do not imply the "
    "expression of any opinion concerning the legal status of any country, territory, city or area, or of its "
    "authorities, or concerning its frontiers or boundaries."
)


def report_charts(figures: dict, points: list | None = None) -> dict:
    """{population code: {chart name: svg}, and the round-wide charts}: what the page and the PDF show.
    ``points``: the communities' (latitude, longitude, province) for the map."""
    charts = {}
    for pop in figures["populations"]:
        charts[pop["code"]] = {
            "provinces": bar_chart([(p["province"], p["share"]) for p in pop["by_province"]], unit="%"),
            "districts": bar_chart([(d["district"], d["share"]) for d in pop["top_districts"]], unit="%"),
            "yearly": bar_chart([(str(y["year"]), y["total"]) for y in pop["yearly"]]),
            "reasons": bar_chart([(r["reason"], r["share"]) for r in pop["reasons"]], unit="%"),
            "countries": bar_chart([(c["country"], c["share"]) for c in pop.get("top_countries", [])], unit="%"),
        }
    services = figures["services"]
    # "Availability of services": the share of communities where each service is available.
    charts["services"] = bar_chart([(s["service"], s["yes"]) for s in services["availability"]], unit="%")
    charts["informants_sex"] = bar_chart(list(figures["informants"]["share_by_sex"].items()), unit="%")
    # The legend names each province as the figures do (their labels are in the reader's language).
    labels = {d.get("province_code", ""): d["province"] for d in figures["districts"]}
    charts["map"] = points_map(points or [], labels=labels)
    return charts


def report_document_html(figures: dict, points: list | None = None, published: dict | None = None) -> str:
    """The printable document in the published report's order: cover, key findings, each population,
    services, methodology and definitions, disclaimer. ``published``: version, date and publisher for
    the cover of a published version."""
    return render_to_string(
        "exports/report_document.html",
        {
            "f": figures,
            "charts": report_charts(figures, points),
            "published": published,
            "populations": [
                {"label": cl.POPULATIONS[code][LABEL_INDEX.get(get_language(), 0)], "definition": _(text)}
                for code, text in POPULATION_DEFINITIONS.items()
            ],
            "disclaimer": getattr(settings, "BMA_REPORT_DISCLAIMER", "") or _(DEFAULT_DISCLAIMER),
            "document": True,
        },
    )


def report_document_layout(figures: dict, points: list | None = None, published: dict | None = None):
    """The document laid out in A4 pages (WeasyPrint's ``Document``): what the PDF is written from, and
    what the tests read to check that every text stays inside its page."""
    # Imported here: WeasyPrint loads Pango at import, which only the PDF needs.
    from weasyprint import CSS, HTML

    html = report_document_html(figures, points, published)
    # Only the stylesheet and its fonts are read, from this folder: no network, no machine fonts.
    return HTML(string=html, base_url=str(HERE)).render(stylesheets=[CSS(filename=str(STYLESHEET))])


def report_pdf(figures: dict, points: list | None = None, published: dict | None = None) -> bytes:
    return report_document_layout(figures, points, published).write_pdf()
