"""What a dataset table is: its columns (variable name, codebook text, HXL tag) and its query."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import IntegerField, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bma.xforms import definitions

SQL = tuple[str, tuple]
DEFINED = definitions.FIGURE_DEFINITIONS
RECORD_MEANING = _("The assessment's record: the instanceID of its first submission, the same in every table")


@dataclass(frozen=True)
class Column:
    """``name`` is the variable name: the same in every language, so scripts read any export alike.
    ``meaning`` is the codebook's text, worded (lazily) in the export's language."""

    name: str
    meaning: str
    hxl: str = ""
    plain: bool = False  # a year or a round number: written without a thousands separator


@dataclass(frozen=True)
class Table:
    name: str  # the CSV file's name and the table's code
    description: str
    columns: list[Column]
    query: Callable[[QuerySet], SQL]  # the round's counted assessments -> the table's SQL and parameters
    personal: bool = False

    @property
    def sheet_title(self) -> str:
        """The XLSX sheet's name, in the export's language."""
        return str(SHEET_TITLES.get(self.name, self.name))


# The sheets' names as a reader sees them; the CSV files keep the table codes.
SHEET_TITLES = {
    "villages": pgettext_lazy("export sheet", "villages"),
    "countries": pgettext_lazy("export sheet", "countries"),
    "reasons": pgettext_lazy("export sheet", "reasons"),
    "yearly": pgettext_lazy("export sheet", "yearly"),
    "departures": pgettext_lazy("export sheet", "departures"),
    "internal_areas": pgettext_lazy("export sheet", "internal_areas"),
    "services": pgettext_lazy("export sheet", "services"),
    "informants": pgettext_lazy("export sheet", "informants"),
    "referrals": pgettext_lazy("export sheet", "referrals"),
    "quality_issues": pgettext_lazy("export sheet", "quality_issues"),
    "spot_checks": pgettext_lazy("export sheet", "spot_checks"),
    "informant_contacts": pgettext_lazy("export sheet", "informant_contacts"),
}


def as_number(field: str):
    """Booleans leave the database as 1/0, as the codebook says, in CSV and XLSX alike."""
    return Cast(field, IntegerField())
