"""The codebook: every table's columns, the figures' definitions and the code lists, in the export's language."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import translation
from django.utils.translation import pgettext_lazy

from bma.exports.dataset.columns import DEFINED, Table
from bma.xforms import codelists as cl

CODEBOOK_TITLE = pgettext_lazy("export sheet", "codebook")
CODEBOOK_HEADER = [
    pgettext_lazy("codebook heading", "table"),
    pgettext_lazy("codebook heading", "column"),
    pgettext_lazy("codebook heading", "meaning"),
    pgettext_lazy("codebook heading", "hxl"),
]
DEFINITIONS_TABLE = pgettext_lazy("codebook table", "definitions")
CODES_TABLE = pgettext_lazy("codebook table", "codes")


def codebook_rows(selected: list[Table], sheet_titles: bool = False) -> Iterator[list]:
    """The codebook in the active language: variable names and codes as they are, the text translated.
    ``sheet_titles``: name each table as its XLSX sheet is named (the CSV files keep the table code)."""
    for table in selected:
        for column in table.columns:
            yield [table.sheet_title if sheet_titles else table.name, column.name, str(column.meaning), column.hxl]
    definitions_table = str(DEFINITIONS_TABLE)
    for term, meaning in DEFINED.items():
        yield [definitions_table, term, translation.gettext(meaning), ""]
    codes_table = str(CODES_TABLE)
    for name, codes in (
        ("population", cl.POPULATIONS),
        ("reason", cl.REASONS),
        ("service", cl.SERVICES),
        ("distance_band", cl.DISTANCE_BANDS),
        ("informant_type", cl.INFORMANT_TYPES),
        ("migration_type", cl.MIGRATION_TYPES),
        ("destination", cl.DEPARTURE_DESTINATIONS),
        ("elderly_alone", cl.YES_NO_UNKNOWN),
        ("country", cl.COUNTRIES),
    ):
        for code, labels in codes.items():
            meaning = " / ".join(labels)  # the forms' labels, in all three languages
            if name == "country" and code == cl.OTHER_COUNTRY:
                meaning = f"{meaning}. {translation.gettext(DEFINED['other_country'])}"
            yield [codes_table, f"{name}={code}", meaning, ""]
