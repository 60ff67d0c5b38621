"""What an assessment's "total" means, said on its page as the form asked it: the per-round B2 asks
everyone of a group over the round's reference period (each person once), older B2 versions asked how
many are there now. A supervisor comparing the total with the yearly rows needs to know which."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bma.xforms import definitions
from bma.xforms.workbooks import B2_ROUND_VERSION_PREFIXES

LABEL_INDEX = {"en": 0, "ru": 1, "tg": 2}


def asks_period_total(form_version: str) -> bool:
    return form_version.startswith(B2_ROUND_VERSION_PREFIXES)


def _period(a) -> str:
    years = a.round.reference_years
    return f"{years[0]}–{years[-1]}" if years else ""


def total_label(a) -> str:
    """The row's label: "Total 2022–2025" (over the reference period) or "Total now" (older forms)."""
    if asks_period_total(a.form_version) and _period(a):
        return _("Total %(period)s") % {"period": _period(a)}
    return _("Total now")


def total_note(a) -> str:
    """One sentence under the table saying what the total counts, in the form's own words."""
    if asks_period_total(a.form_version):
        hint = definitions.TOTAL_HINT[LABEL_INDEX.get((get_language() or "en").split("-")[0], 0)]
        return _("Total: as the form asks it, over %(period)s. %(definition)s") % {
            "period": _period(a),
            "definition": hint,
        }
    return _("Total: this older form asked how many are in the village now, not over the reference period.")
