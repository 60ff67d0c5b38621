"""A district's picture for a round: what was assessed and what is still planned, each population's
figures, and the figures other sources published for the district beside the round's estimate.

The population figures are the round report's, computed for one district (report.Counted with a
district), so a district's profile and the report can never disagree.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_noop

from bma.assessments.models import PopulationFigure, VillageAssessment
from bma.exports.departures import area_departures, villages_with_most_departures
from bma.exports.models import ReferenceFigure
from bma.exports.report import Counted, PopulationAggregates, population_figures, roomy_read_transaction, round_years
from bma.referrals.models import PlanStatus, VisitPlanEntry
from bma.xforms import codelists as cl

WAITING_LISTED = 200  # villages still to visit shown by name; the count is always complete


def estimate_ratio(estimate: int, reference: int) -> float | None:
    """The round's estimate as a multiple of the other source's figure (0.83 = 83% of it)."""
    return round(estimate / reference, 2) if reference else None


def _sub_area_estimates(counted: Counted, areas) -> dict[int, dict[str, int]]:
    """{area id: {population: estimate}} for reference figures recorded for a part of the district (a
    jamoat): set beside the whole district's estimate, their ratio would mean nothing. Villages typed in
    without a gazetteer entry have no place below the district and are not counted here."""
    estimates: dict[int, dict[str, int]] = {}
    for area in areas:
        rows = (
            PopulationFigure.objects.filter(
                counted.q("assessment__"), present=True, assessment__village__area__path__startswith=area.path
            )
            .values("population")
            .annotate(n=Sum("total"))
            .values_list("population", "n")
        )
        estimates[area.pk] = {population: n or 0 for population, n in rows}
    return estimates


def district_profile(round_, district, include_unapproved: bool = False) -> dict:
    with roomy_read_transaction():
        return _district_profile(round_, district, include_unapproved)


def _district_profile(round_, district, include_unapproved: bool) -> dict:
    counted = Counted(round_.pk, include_unapproved, district_id=district.pk)
    assessments = VillageAssessment.objects.filter(counted.q())
    communities = assessments.count()
    aggregates = PopulationAggregates.compute(counted)
    plan = VisitPlanEntry.objects.filter(round=round_, district=district)
    plan_counts = plan.aggregate(
        planned=Count("pk"),
        assessed=Count("pk", filter=Q(status=PlanStatus.ASSESSED)),
        waiting=Count("pk", filter=Q(status=PlanStatus.PLANNED)),
    )
    waiting = [
        {"code": code, "village": name, "reason": reason}
        for code, name, reason in plan.filter(status=PlanStatus.PLANNED)
        .order_by("village__name_en")
        .values_list("village__code", "village__name_en", "reason")[:WAITING_LISTED]
    ]
    # The district's years are the round's, as in the report (not the default years of the first forms).
    years = round_years(round_, assessments)
    populations = [population_figures(aggregates, pop, communities, years) for pop in cl.POPULATION_CODES]
    estimates = {p["code"]: p["total"] for p in populations}
    references = list(
        ReferenceFigure.objects.filter(area__path__startswith=district.path)
        .select_related("area")
        .order_by("population", "as_of", "pk")
    )
    parts = _sub_area_estimates(
        counted, {ref.area.pk: ref.area for ref in references if ref.area_id != district.pk}.values()
    )

    def estimate_for(ref) -> int:
        return estimates[ref.population] if ref.area_id == district.pk else parts[ref.area_id].get(ref.population, 0)

    return {
        "round": {
            "number": round_.number,
            "name": round_.name,
            "collection_start": str(round_.collection_start),
            "collection_end": str(round_.collection_end),
            "reference_start": str(round_.reference_start),
            "reference_end": str(round_.reference_end),
        },
        "district": {
            "code": district.code,
            "name": district.name_en,
            "name_tg": district.name_tg,
            "name_ru": district.name_ru,
            "province": district.parent.name_en if district.parent_id else "",
        },
        "basis": gettext_noop("approved and other non-rejected assessments")
        if include_unapproved
        else gettext_noop("approved assessments"),
        "communities": {
            "assessed": communities,
            "planned": plan_counts["planned"],
            "assessed_in_plan": plan_counts["assessed"],
            "not_yet_assessed": plan_counts["waiting"],
            "waiting": waiting,
        },
        "populations": populations,
        "departures": area_departures(counted, round_.reference_years),
        "villages_most_departures": villages_with_most_departures(counted),
        "reference_figures": [
            {
                "population": ref.population,
                "label": cl.POPULATIONS[ref.population][0],
                "area": ref.area.name_en,
                "source": ref.source,
                "as_of": str(ref.as_of),
                "value": ref.value,
                "note": ref.note,
                "estimate": estimate_for(ref),
                "ratio": estimate_ratio(estimate_for(ref), ref.value),
            }
            for ref in references
        ],
    }
