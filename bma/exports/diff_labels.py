"""What changed since a published version, in words: each changed figure as the report labels it.

``publishing.report_changes`` names a change by its place in the figures' JSON
(``populations[ret].top_districts[TJ-SU-KHU].total``): exact, and what the published figures file holds,
but not what a coordinator reads. Here each path becomes the section of the report it is printed in (a
population, the services, the departures), its table, its row (a province, a year, a service, in the
reader's language by its code) and its column, and each value is printed as the report prints it (counts
grouped in the locale, shares with "<1%"). A path this module does not know keeps its raw name under
"Other figures": a change is never hidden because it has no label yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from bma.core.numbers import grouped
from bma.exports.report_language import LABEL_INDEX, _AreaNames
from bma.exports.report_math import share_shown
from bma.xforms import codelists as cl

COUNT, SHARE, CHANGE = "count", "share", "change"

# Column names of the report's tables (most are the report's own headers, translated in the catalogues).
FIELDS = {
    "total": (gettext_noop("Total"), COUNT),
    "share": (gettext_noop("Share"), SHARE),
    "change": (gettext_noop("Change on the year before"), CHANGE),
    "communities": (gettext_noop("Communities"), COUNT),
    "communities_reporting": (gettext_noop("Communities reporting"), COUNT),
    "share_of_communities": (gettext_noop("Share of the assessed communities"), SHARE),
    "top_districts_share": (gettext_noop("Share in the top districts"), SHARE),
    "countries_count": (gettext_noop("Countries"), COUNT),
    "within_same_district_share": (gettext_noop("Moved within the same district"), SHARE),
    "yes": (gettext_noop("Yes"), SHARE),
    "no": (gettext_noop("No"), SHARE),
    "villages_asked": (gettext_noop("Villages asked"), COUNT),
    "households_left": (gettext_noop("Households that left"), COUNT),
    "households": (gettext_noop("Households"), COUNT),
    "houses_empty": (gettext_noop("Houses empty"), COUNT),
    "houses_looked_after": (gettext_noop("Looked after"), COUNT),
    "share_looked_after": (gettext_noop("Share looked after"), SHARE),
    "villages_elderly_alone": (gettext_noop("Villages with elderly alone"), COUNT),
    "villages_answered_elderly": (gettext_noop("Villages answering about the elderly"), COUNT),
    "before": (gettext_noop("Previous round"), COUNT),
    "now": (gettext_noop("This round"), COUNT),
}
POPULATION_TABLES = {
    "by_province": gettext_noop("By province"),
    "top_districts": gettext_noop("Top districts"),
    "yearly": gettext_noop("Annual trends"),
    "reasons": gettext_noop("Reasons"),
    "migration_types": gettext_noop("Type of migration"),
    "top_countries": gettext_noop("Top five countries"),
    "other_area_by_province": gettext_noop("Other area's province"),
}
POPULATION_ROW_CODES = {"reasons": cl.REASONS, "migration_types": cl.MIGRATION_TYPES, "top_countries": cl.COUNTRIES}
SUMMARY = gettext_noop("Summary of key findings")
SERVICES = gettext_noop("Availability of services within the community")
DEPARTURES = gettext_noop("Families who left entirely, by province")
COMPARISON = "comparison"  # titled with the previous round's number (changes_in_words)
OTHER = gettext_noop("Other figures")


@dataclass
class LabelledChange:
    table: str
    row: str
    column: str
    published: str
    live: str


@dataclass
class ChangedSection:
    title: str
    changes: list[LabelledChange] = field(default_factory=list)


def path_steps(path: str) -> list[tuple[str, str]]:
    """``a[x].b.c`` as [("key", "a"), ("item", "x"), ("key", "b"), ("key", "c")]."""
    return [
        ("item", match.group(1)) if match.group(1) is not None else ("key", match.group(2))
        for match in re.finditer(r"\[([^\]]*)\]|\.?([^.\[]+)", path)
    ]


def shown(value, kind: str) -> str:
    """A value as the report prints it; a dash for a figure one side does not have."""
    if value is None:
        return "—"
    if kind == SHARE:
        return f"{share_shown(value)}%"
    if kind == CHANGE:
        return f"{share_shown(value, signed=True)}%"
    return grouped(value)


class _Labeller:
    """Labels in the current language; areas by code through the gazetteer, code lists by their codes."""

    def __init__(self):
        self.index = LABEL_INDEX.get(get_language() or "en", 0)
        self.place = _AreaNames(get_language() if self.index else "en")

    def code(self, codes: dict, code: str) -> str:
        return codes[code][self.index] if code in codes else code

    def field(self, name: str) -> tuple[str, str]:
        label, kind = FIELDS.get(name, (name, COUNT))
        return (_(label) if name in FIELDS else name), kind

    def sex(self, english: str) -> str:
        return next((labels[self.index] for labels in cl.SEXES.values() if labels[0] == english), english)

    def population_title(self, code: str) -> str:
        return self.code(cl.POPULATIONS, code)

    def label(self, steps: list[tuple[str, str]]) -> tuple[str, tuple[str, str, str], str] | None:
        """(section key, (table, row, column), kind), or None for a path not known here."""
        keys = [value for kind, value in steps]
        shape = "".join("k" if kind == "key" else "i" for kind, _value in steps)
        if shape == "k" and keys[0] == "communities":
            return SUMMARY, ("", "", _("Communities assessed")), COUNT
        if keys[0] == "informants":
            if shape == "kk" and keys[1] == "total":
                return SUMMARY, ("", "", _("Key informant interviews")), COUNT
            if shape == "kkk" and keys[1] == "share_by_sex":
                return SUMMARY, (_("Key informants by sex"), self.sex(keys[2]), _("Share")), SHARE
            if shape == "kkik" and keys[1] == "by_type":
                column, kind = self.field(keys[3])
                if keys[3] == "total":
                    column = _("Informants")
                return SUMMARY, (_("Key informants by type"), self.code(cl.INFORMANT_TYPES, keys[2]), column), kind
        if shape == "kik" and keys[0] == "districts":
            return SUMMARY, (_("District or city"), self.place(keys[1], keys[1]), _("Communities")), COUNT
        if keys[0] == "populations" and shape.startswith("ki"):
            section = f"population:{keys[1]}"
            if shape == "kik":
                column, kind = self.field(keys[2])
                return section, ("", "", column), kind
            if shape == "kikik" and keys[2] in POPULATION_TABLES:
                column, kind = self.field(keys[4])
                codes = POPULATION_ROW_CODES.get(keys[2])
                row = (
                    keys[3]
                    if keys[2] == "yearly"
                    else self.code(codes, keys[3])
                    if codes
                    else self.place(keys[3], keys[3])
                )
                return section, (_(POPULATION_TABLES[keys[2]]), row, column), kind
        if keys[0] == "services" and shape == "kkik":
            table, item, column = keys[1], keys[2], keys[3]
            if table == "availability":
                label, kind = self.field(column)
                if column == "communities":
                    label = _("Communities answering")
                return (
                    SERVICES,
                    (_("Available in the community (share of communities)"), self.code(cl.SERVICES, item), label),
                    kind,
                )
            service = self.code(cl.SERVICES, column)
            if table == "distance_households":
                row = _("Total households") if item == "total" else self.code(cl.DISTANCE_BANDS, item)
                return SERVICES, (_("Travel distance"), row, service), COUNT
            if table == "households_beyond":
                return (
                    SERVICES,
                    (_("Households travelling farther than"), _("%(km)s km") % {"km": item}, service),
                    COUNT,
                )
        if keys[0] == "departures" and len(steps) >= 3:
            return self.departure(steps)
        if keys[0] == "comparison":
            return self.comparison(steps)
        return None

    def comparison(self, steps):
        keys = [value for _kind, value in steps]
        shape = "".join("k" if kind == "key" else "i" for kind, _value in steps)
        if shape == "kkk" and keys[1] == "communities":
            column, kind = self.field(keys[2])
            return COMPARISON, ("", _("Communities"), column), kind
        if keys[1] == "populations" and shape in ("kkik", "kkikkik"):
            population = self.population_title(keys[2])
            if shape == "kkik":
                column, kind = self.field(keys[3])
                return COMPARISON, ("", population, _("Change") if keys[3] == "change" else column), kind
            column, kind = self.field(keys[6])
            row = f"{population}: {self.place(keys[5], keys[5])}"
            return COMPARISON, (_("By province"), row, _("Change") if keys[6] == "change" else column), kind
        return None

    def departure(self, steps):
        keys = [value for _kind, value in steps]
        if keys[1] == "provinces" and len(steps) >= 4 and steps[2][0] == "item":
            area, rest = self.place(keys[2], keys[2]), steps[3:]
        elif keys[1] == "total":
            area, rest = _("All provinces"), steps[2:]
        else:
            return None
        rest_keys = [value for _kind, value in rest]
        if len(rest) == 1:
            column, kind = self.field(rest_keys[0])
            return DEPARTURES, ("", area, column), kind
        if len(rest) == 3 and rest_keys[0] == "destinations":
            column, kind = self.field(rest_keys[2])
            destination = self.code(cl.DEPARTURE_DESTINATIONS, rest_keys[1])
            return DEPARTURES, (destination, area, column), kind
        if len(rest) == 3 and rest_keys[0] == "yearly":
            column = rest_keys[2]
            label = self.code(cl.DEPARTURE_DESTINATIONS, column) if column in cl.DEPARTURE_DESTINATIONS else None
            label = label or self.field(column)[0]
            return DEPARTURES, (_("Households that left, by year"), f"{area}, {rest_keys[1]}", label), COUNT
        return None


def _section_title(labeller: _Labeller, key: str, live: dict) -> str:
    if key.startswith("population:"):
        return labeller.population_title(key.split(":", 1)[1])
    if key == COMPARISON:
        return _("Compared with Round %(n)s") % {"n": live.get("comparison", {}).get("previous_round", "")}
    return _(key)


def changes_in_words(changes: list[dict], live: dict) -> list[ChangedSection]:
    """``report_changes``'s list as sections in the report's order (the summary, each population, the
    services, the departures, the comparison, anything else), each change labelled and its values printed
    in the locale. ``live``: the live figures (the comparison's title names their previous round)."""
    labeller = _Labeller()
    sections: dict[str, ChangedSection] = {}
    for change in changes:
        labelled = labeller.label(path_steps(change["figure"]))
        if labelled is None:
            key, (table, row, column), kind = OTHER, ("", "", change["figure"]), COUNT
        else:
            key, (table, row, column), kind = labelled
        if key not in sections:
            sections[key] = ChangedSection(_section_title(labeller, key, live))
        sections[key].changes.append(
            LabelledChange(table, row, column, shown(change["published"], kind), shown(change["live"], kind))
        )
    for section in sections.values():
        # A section's own figures (its total) first, then its tables, each in the figures' order.
        section.changes.sort(key=lambda change: change.table != "")
    order = [SUMMARY, *(f"population:{code}" for code in cl.POPULATION_CODES), SERVICES, DEPARTURES, COMPARISON, OTHER]
    return [sections[key] for key in order if key in sections]
