"""Whole-family departures and the houses they leave, for the round report (per province) and the
district profile: grouped queries however many villages the round holds (the report adds one of its own
and folds the housing sums into its districts query; the profile runs three).

Only per-round B2 versions ask these questions; an assessment filled with an earlier version has no
departures and null housing answers. So an area's block counts the villages that were asked
(``villages_asked``), and an area where no counted assessment was asked gets no block at all, rather
than zeros that would read as "nobody left".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum

from bma.assessments import models as am
from bma.exports.report_math import share_of, shares
from bma.xforms import codelists as cl

if TYPE_CHECKING:  # report.py imports this module; Counted is only a type here
    from bma.exports.report import Counted

DESTINATIONS = tuple(cl.DEPARTURE_DESTINATIONS)
# The form asks where most went whenever households left; a submission from outside the form (Kobo,
# scripts) may leave it blank. Those households are counted, under "don't know" where they went.
UNSTATED_DESTINATION = "unknown"
TOP_VILLAGES = 10

# An assessment was asked the housing questions when it answered one of them (elderly_alone is required
# by the per-round form, houses_empty is asked of every village).
_ASKED = ~Q(elderly_alone="") | Q(houses_empty__isnull=False)


@dataclass
class AreaHousing:
    """The sums of one area (a province, or the whole round): what ``housing_block`` shapes."""

    left: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))  # {year: {dest: n}}
    asked: int = 0
    houses_empty: int = 0
    # Share looked after: among villages that answered both questions (looked-after is only asked
    # where houses stand empty; a village skipping it must not lower the share).
    empty_with_answer: int = 0
    looked_after: int = 0
    elderly_alone: int = 0
    elderly_answered: int = 0
    name: str = ""  # the area's English name; the area is keyed by its code

    def add(self, other: AreaHousing) -> None:
        for year, by_destination in other.left.items():
            for destination, n in by_destination.items():
                self.left[year][destination] += n
        for name in ("asked", "houses_empty", "empty_with_answer", "looked_after", "elderly_alone", "elderly_answered"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


# The housing sums of a GROUP BY over the counted assessments, by whatever the caller groups by: the
# report adds them to its districts query (one scan of the assessments for both), the profile groups by
# province. Aggregates may not take a field's own name, hence the prefix.
HOUSING_SUMS = {
    "housing_asked": Count("pk", filter=_ASKED),
    "housing_houses_empty": Sum("houses_empty"),
    "housing_empty_with_answer": Sum("houses_empty", filter=Q(houses_looked_after__isnull=False)),
    "housing_looked_after": Sum("houses_looked_after", filter=Q(houses_empty__isnull=False)),
    "housing_elderly_alone": Count("pk", filter=Q(elderly_alone="yes")),
    "housing_elderly_answered": Count("pk", filter=~Q(elderly_alone="")),
}


def housing_by_province(counted: Counted, assessment_rows=None) -> dict[str, AreaHousing]:
    """{province code: its sums}, from one GROUP BY over the departures and one over the assessments.
    By code, not name: two provinces of one name stay two, a renamed one stays one.

    ``assessment_rows``: rows already grouped (each with ``province__code``, ``province__name_en`` and
    HOUSING_SUMS), when the caller has them; else they are queried here.
    """
    areas: dict[str, AreaHousing] = defaultdict(AreaHousing)
    for province, name, year, destination, households in (
        am.HouseholdDeparture.objects.filter(counted.q("assessment__"))
        .values("assessment__province__code", "assessment__province__name_en", "year", "destination")
        .annotate(n=Sum("households"))
        .values_list("assessment__province__code", "assessment__province__name_en", "year", "destination", "n")
    ):
        areas[province or ""].left[year][destination or UNSTATED_DESTINATION] += households or 0
        areas[province or ""].name = name or ""
    if assessment_rows is None:
        assessment_rows = (
            am.VillageAssessment.objects.filter(counted.q())
            .values("province__code", "province__name_en")
            .annotate(**HOUSING_SUMS)
        )
    for row in assessment_rows:
        area = areas[row["province__code"] or ""]
        area.name = row["province__name_en"] or ""
        for key in HOUSING_SUMS:
            name = key.removeprefix("housing_")
            setattr(area, name, getattr(area, name) + (row[key] or 0))
    return dict(areas)


def housing_block(area: AreaHousing, years: list[int]) -> dict:
    """One area's departures by year and destination, its empty houses and the villages where elderly
    stay alone. ``years``: the round's reference years; a year the departures hold outside them (the
    period changed after collection) is shown too, never dropped."""
    years = sorted(set(years) | set(area.left))
    by_destination = {d: sum(area.left[y].get(d, 0) for y in area.left) for d in DESTINATIONS}
    total = sum(by_destination.values())
    destination_shares = shares(by_destination)
    return {
        "villages_asked": area.asked,
        "households_left": total,
        "yearly": [
            {
                "year": year,
                "households": sum(area.left.get(year, {}).values()),
                **{d: area.left.get(year, {}).get(d, 0) for d in DESTINATIONS},
            }
            for year in years
        ],
        "destinations": [
            {
                "code": code,
                "label": cl.DEPARTURE_DESTINATIONS[code][0],
                "households": by_destination[code],
                "share": destination_shares[code],
            }
            for code in DESTINATIONS
        ],
        "houses_empty": area.houses_empty,
        "houses_looked_after": area.looked_after,
        "share_looked_after": share_of(area.looked_after, area.empty_with_answer) if area.empty_with_answer else None,
        "villages_elderly_alone": area.elderly_alone,
        "villages_answered_elderly": area.elderly_answered,
    }


def departures_per_province(counted: Counted, years: list[int], assessment_rows=None) -> dict:
    """The round report's section: one block per province that was asked, largest departures first,
    and the round's total. ``assessment_rows``: see housing_by_province."""
    areas = housing_by_province(counted, assessment_rows)
    total = AreaHousing()
    for area in areas.values():
        total.add(area)
    years = sorted(set(years) | set(total.left))  # every province shows the same years
    provinces = [
        {"code": code, "province": area.name or "Unknown", **housing_block(area, years)}
        for code, area in areas.items()
        if area.asked or area.left
    ]
    provinces.sort(key=lambda p: (-p["households_left"], p["province"], p["code"]))
    return {"provinces": provinces, "total": housing_block(total, years)}


def area_departures(counted: Counted, years: list[int]) -> dict | None:
    """The whole scope of ``counted`` (a district for the profile) as one block; None if nobody was asked."""
    total = AreaHousing()
    for area in housing_by_province(counted).values():
        total.add(area)
    if not (total.asked or total.left):
        return None
    return housing_block(total, years)


def villages_with_most_departures(counted: Counted, n: int = TOP_VILLAGES) -> list[dict]:
    """The n villages from which most households left over the period (one grouped query)."""
    rows = (
        am.HouseholdDeparture.objects.filter(counted.q("assessment__"))
        .values(
            "assessment_id",
            "assessment__village__code",
            "assessment__village__name_en",
            "assessment__village_name_typed",
            "assessment__houses_empty",
        )
        .annotate(left=Sum("households"))
        .filter(left__gt=0)
        # Ties broken by name then id: the profile does not reorder between runs.
        .order_by("-left", "assessment__village__name_en", "assessment__village_name_typed", "assessment_id")[:n]
    )
    return [
        {
            "code": row["assessment__village__code"] or "",
            "village": row["assessment__village__name_en"] or row["assessment__village_name_typed"],
            "households_left": row["left"],
            "houses_empty": row["assessment__houses_empty"],
        }
        for row in rows
    ]
