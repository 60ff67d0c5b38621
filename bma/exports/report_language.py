"""The round report's figures in the reader's language: the same numbers, their labels in en, ru or tg.

Figures are computed once, in English (their order, ties included, never depends on the language);
this module then swaps each label for its Russian or Tajik one, by the code every row carries (code
lists, and the gazetteer's area codes for provinces and districts). So the three reports hold identical
figures.
"""

from __future__ import annotations

import copy
from functools import partial

from django.utils import translation
from django.utils.translation import gettext as _

from bma.geo.models import AdminArea
from bma.xforms import codelists as cl

LABEL_INDEX = {"en": 0, "ru": 1, "tg": 2}


class _AreaNames:
    """An area's name in ``language`` by its code (English where the gazetteer has none)."""

    def __init__(self, language: str):
        rows = AdminArea.objects.filter(level__lte=2).values_list("code", "name_en", f"name_{language}")
        self.by_code = {code: other or en for code, en, other in rows}
        # Figures published before breakdowns carried area codes name their rows only: those are
        # labelled by English name (two areas of one name take the first's; a renamed one keeps it).
        self.by_name = {en: other or en for _code, en, other in rows if en}

    def __call__(self, code: str | None, name: str) -> str:
        if code:
            return self.by_code.get(code, name)
        return self.by_name.get(name, name)


def code_label(codes: dict, code: str, current: str, index: int) -> str:
    """A code list's label for ``code`` in the language at ``index`` of LABEL_INDEX; ``current`` (the
    row's English label) for a code the list does not hold."""
    return codes[code][index] if code in codes else current


def population_labels_in_language(pop: dict, language: str) -> None:
    """Swap, in place, one population's labels (its name, reasons, migration types, countries) for
    those of ``language``, by the code each row carries; the report and the district profile share it."""
    label = partial(code_label, index=LABEL_INDEX.get(language, 0))
    pop["label"] = label(cl.POPULATIONS, pop["code"], pop["label"])
    for row in pop.get("reasons", []):
        row["reason"] = label(cl.REASONS, row["code"], row["reason"])
    for row in pop.get("migration_types", []):
        row["type"] = label(cl.MIGRATION_TYPES, row["code"], row["type"])
    for row in pop.get("top_countries", []):
        row["country"] = label(cl.COUNTRIES, row["code"], row["country"])


def figures_in_language(figures: dict, language: str) -> dict:
    index = LABEL_INDEX.get(language, 0)
    if index == 0:
        return figures
    out = copy.deepcopy(figures)
    place = _AreaNames(language)

    label = partial(code_label, index=index)

    with translation.override(language):
        out["basis"] = _(figures["basis"])
        for district in out["districts"]:
            district["province"] = place(district.get("province_code"), district["province"])
            district["district"] = place(district.get("code"), district["district"])
        informants = out["informants"]
        by_sex_label = {labels[0]: labels[index] for labels in cl.SEXES.values()}
        informants["share_by_sex"] = {by_sex_label.get(k, k): v for k, v in informants["share_by_sex"].items()}
        for row in informants["by_type"]:
            row["type"] = label(cl.INFORMANT_TYPES, row["code"], row["type"])
        for pop in out["populations"]:
            population_labels_in_language(pop, language)
            for row in pop["by_province"]:
                row["province"] = place(row.get("code"), row["province"])
            for row in pop["top_districts"]:
                row["district"] = place(row.get("code"), row["district"])
            for row in pop.get("other_area_by_province", []):
                row["province"] = place(row.get("code"), row["province"])
        services = out["services"]
        for row in services["availability"]:
            row["service"] = label(cl.SERVICES, row["code"], row["service"])
        for row in services["distance_households"]:
            row["band"] = label(cl.DISTANCE_BANDS, row["code"], _(row["band"]))
        departures = out["departures"]
        for area in [*departures["provinces"], departures["total"]]:
            if "province" in area:
                area["province"] = place(area.get("code"), area["province"])
            for row in area.get("destinations", []):
                row["label"] = label(cl.DEPARTURE_DESTINATIONS, row["code"], row["label"])
        for note in out["notes"]:
            note["title"] = _(note["title"])
            note["definition"] = _(note["definition"])
        if "comparison" in out:
            for row in out["comparison"]["populations"]:
                row["label"] = label(cl.POPULATIONS, row["code"], row["label"])
                for province in row["by_province"]:
                    province["province"] = place(province.get("code"), province["province"])
    return out
