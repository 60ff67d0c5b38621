"""A district's picture for a round: what was assessed and what is still planned, each population's
figures, and the figures other sources published for the district beside the round's estimate.

The population figures are the round report's, computed for one district (report.Counted with a
district), so a district's profile and the report can never disagree.
"""

from __future__ import annotations

from django.db.models import Count, Q

from bma.assessments.models import VillageAssessment
from bma.exports.models import ReferenceFigure
from bma.exports.report import Counted, PopulationAggregates, population_figures, roomy_read_transaction
from bma.referrals.models import PlanStatus, VisitPlanEntry
from bma.xforms import codelists as cl

WAITING_LISTED = 200  # villages still to visit shown by name; the count is always complete


def estimate_ratio(estimate: int, reference: int) -> float | None:
    """The round's estimate as a multiple of the other source's figure (0.83 = 83% of it)."""
    return round(estimate / reference, 2) if reference else None


def district_profile(round_, district, include_unapproved: bool = False) -> dict:
    with roomy_read_transaction():
        return _district_profile(round_, district, include_unapproved)


def _district_profile(round_, district, include_unapproved: bool) -> dict:
    counted = Counted(round_.pk, include_unapproved, district_id=district.pk)
    communities = VillageAssessment.objects.filter(counted.q()).count()
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
    populations = [population_figures(aggregates, pop, communities) for pop in cl.POPULATION_CODES]
    estimates = {p["code"]: p["total"] for p in populations}
    references = (
        ReferenceFigure.objects.filter(area__path__startswith=district.path)
        .select_related("area")
        .order_by("population", "as_of", "pk")
    )
    return {
        "round": {
            "number": round_.number,
            "name": round_.name,
            "collection_start": str(round_.collection_start),
            "collection_end": str(round_.collection_end),
        },
        "district": {
            "code": district.code,
            "name": district.name_en,
            "name_tg": district.name_tg,
            "name_ru": district.name_ru,
            "province": district.parent.name_en if district.parent_id else "",
        },
        "basis": "approved and other non-rejected assessments" if include_unapproved else "approved assessments",
        "communities": {
            "assessed": communities,
            "planned": plan_counts["planned"],
            "assessed_in_plan": plan_counts["assessed"],
            "not_yet_assessed": plan_counts["waiting"],
            "waiting": waiting,
        },
        "populations": populations,
        "reference_figures": [
            {
                "population": ref.population,
                "label": cl.POPULATIONS[ref.population][0],
                "area": ref.area.name_en,
                "source": ref.source,
                "as_of": str(ref.as_of),
                "value": ref.value,
                "note": ref.note,
                "estimate": estimates[ref.population],
                "ratio": estimate_ratio(estimates[ref.population], ref.value),
            }
            for ref in references
        ],
    }
