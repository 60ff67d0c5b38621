"""The round report's figures, computed in SQL (aggregates), shaped like the published report's tables.

Which assessments count: the current assessment of each village in the round, approved ones by
default (as the coordinators' exports); ``include_unapproved`` adds everything not rejected.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum

from bma.assessments import models as am
from bma.exports.report_math import share_of, shares, top_n, year_on_year
from bma.xforms import codelists as cl

DISTANCE_ORDER = list(cl.DISTANCE_BANDS)


@dataclass(frozen=True)
class Counted:
    """Which assessments count, as a filter reachable from any table through a join prefix.

    Joins rather than IN (subquery) lists: the planner then aggregates a 100,000-village round in one pass.
    """

    round_id: int
    include_unapproved: bool = False

    def q(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}round_id": self.round_id, f"{prefix}is_current": True})
        if self.include_unapproved:
            return q & ~Q(**{f"{prefix}review_state": am.ReviewState.REJECTED})
        return q & Q(**{f"{prefix}review_state": am.ReviewState.APPROVED})


def counted_assessments(round_, include_unapproved: bool = False) -> QuerySet:
    qs = am.VillageAssessment.objects.filter(round=round_, is_current=True)
    if include_unapproved:
        return qs.exclude(review_state=am.ReviewState.REJECTED)
    return qs.filter(review_state=am.ReviewState.APPROVED)


def _zero_for_none(pairs) -> dict:
    return {key: value or 0 for key, value in pairs}


def _name(area_name: str | None) -> str:
    return area_name or "Unknown"


def population_figures(counted: Counted, pop: str, communities: int) -> dict:
    present = am.PopulationFigure.objects.filter(counted.q("assessment__"), population=pop, present=True)
    # The same figures seen from the tables below them.
    below = Q(counted.q("figure__assessment__"), figure__population=pop, figure__present=True)
    total = present.aggregate(n=Sum("total"))["n"] or 0
    reporting = present.count()
    by_province = _zero_for_none(
        present.values_list("assessment__province__name_en")
        .annotate(n=Sum("total"))
        .values_list("assessment__province__name_en", "n")
    )
    by_district = _zero_for_none(
        present.values_list("assessment__district__name_en")
        .annotate(n=Sum("total"))
        .values_list("assessment__district__name_en", "n")
    )
    by_year = dict(
        am.YearlyFigure.objects.filter(below).values("year").annotate(n=Sum("count")).values_list("year", "n")
    )
    block = {
        "code": pop,
        "label": cl.POPULATIONS[pop][0],
        "total": total,
        "communities_reporting": reporting,
        "share_of_communities": share_of(reporting, communities),
        "by_province": [
            {"province": _name(k), "total": v or 0, "share": s}
            for (k, v), s in zip(
                sorted(by_province.items(), key=lambda kv: -(kv[1] or 0)), _ordered_shares(by_province), strict=True
            )
        ],
        "top_districts": [
            {"district": _name(k), "total": v, "share": share_of(v, total)} for k, v in top_n(by_district, 5)
        ],
        "yearly": [
            {"year": year, "total": by_year.get(year, 0), "change": change}
            for year, change in year_on_year({y: by_year.get(y, 0) for y in cl.YEARS}).items()
        ],
    }
    reasons = dict(
        am.PopulationReason.objects.filter(below).values("reason").annotate(n=Count("pk")).values_list("reason", "n")
    )
    block["reasons"] = [
        {"reason": cl.REASONS[k][0], "code": k, "share": s}
        for k, s in sorted(shares(reasons).items(), key=lambda kv: -kv[1])
    ]
    if pop in cl.POPULATIONS_WITH_MIGRATION_TYPE:
        types = dict(
            present.exclude(migration_type="")
            .values("migration_type")
            .annotate(n=Count("pk"))
            .values_list("migration_type", "n")
        )
        block["migration_types"] = [
            {"type": cl.MIGRATION_TYPES[k][0], "code": k, "share": s}
            for k, s in sorted(shares(types).items(), key=lambda kv: -kv[1])
        ]
    if pop in cl.INTERNATIONAL_POPULATIONS:
        countries = dict(
            am.CountryFigure.objects.filter(below)
            .values("country")
            .annotate(n=Sum("count"))
            .values_list("country", "n")
        )
        block["top_countries"] = [
            {"country": cl.COUNTRIES.get(k, (k,))[0], "code": k, "total": v or 0} for k, v in top_n(countries, 5)
        ]
    else:
        flows = am.AreaFlow.objects.filter(below)
        moved = flows.aggregate(n=Sum("count"))["n"] or 0
        within = flows.filter(area_id=F("figure__assessment__district_id")).aggregate(n=Sum("count"))["n"] or 0
        by_area_province = dict(
            flows.values_list("area__parent__name_en")
            .annotate(n=Sum("count"))
            .values_list("area__parent__name_en", "n")
        )
        block["within_same_district_share"] = share_of(within, moved)
        block["other_area_by_province"] = [
            {"province": _name(k), "share": s}
            for k, s in sorted(
                shares({_name(k): v or 0 for k, v in by_area_province.items()}).items(), key=lambda kv: -kv[1]
            )
        ]
    return block


def _ordered_shares(counts: dict) -> list[float]:
    clean = {_name(k): v or 0 for k, v in counts.items()}
    computed = shares(clean)
    return [computed[_name(k)] for k, _ in sorted(counts.items(), key=lambda kv: -(kv[1] or 0))]


def services_figures(counted: Counted) -> dict:
    rows = am.ServiceAccess.objects.filter(counted.q("assessment__"))
    availability = []
    counts = {
        (r["service"], r["available"]): r["n"] for r in rows.values("service", "available").annotate(n=Count("pk"))
    }
    for code, labels in cl.SERVICES.items():
        yes, no = counts.get((code, True), 0), counts.get((code, False), 0)
        share = shares({"yes": yes, "no": no})
        availability.append(
            {"service": labels[0], "code": code, "yes": share["yes"], "no": share["no"], "communities": yes + no}
        )
    households = defaultdict(dict)
    for r in rows.filter(available=False).values("service", "distance_band").annotate(n=Sum("households_affected")):
        households[r["distance_band"]][r["service"]] = r["n"] or 0
    distance_table = [
        {"band": cl.DISTANCE_BANDS[band][0], "code": band, **{s: households[band].get(s, 0) for s in cl.SERVICES}}
        for band in DISTANCE_ORDER
    ]
    distance_table.append(
        {
            "band": "Total households",
            "code": "total",
            **{s: sum(households[b].get(s, 0) for b in DISTANCE_ORDER) for s in cl.SERVICES},
        }
    )
    return {"availability": availability, "distance_households": distance_table}


def round_figures(round_, include_unapproved: bool = False, previous_round=None) -> dict:
    counted = Counted(round_.pk, include_unapproved)
    assessments = counted_assessments(round_, include_unapproved)
    communities = assessments.count()
    informants = am.Informant.objects.filter(counted.q("village_assessment__"))
    by_sex = dict(informants.values("sex").annotate(n=Count("pk")).values_list("sex", "n"))
    districts = list(
        assessments.values("district__name_en", "province__name_en")
        .annotate(n=Count("pk"))
        .order_by("province__name_en", "district__name_en")
    )
    figures = {
        "round": {
            "number": round_.number,
            "name": round_.name,
            "collection_start": str(round_.collection_start),
            "collection_end": str(round_.collection_end),
        },
        "basis": "approved and other non-rejected assessments" if include_unapproved else "approved assessments",
        "communities": communities,
        "districts": [
            {
                "province": _name(d["province__name_en"]),
                "district": _name(d["district__name_en"]),
                "communities": d["n"],
            }
            for d in districts
        ],
        "informants": {
            "total": sum(by_sex.values()),
            "share_by_sex": shares({cl.SEXES[k][0]: v for k, v in by_sex.items() if k in cl.SEXES}),
        },
        "populations": [population_figures(counted, pop, communities) for pop in cl.POPULATION_CODES],
        "services": services_figures(counted),
    }
    if previous_round is not None:
        before = round_figures(previous_round, include_unapproved)
        figures["comparison"] = {
            "previous_round": previous_round.number,
            "communities": {"before": before["communities"], "now": communities},
            "populations": [
                {
                    "label": now["label"],
                    "before": prev["total"],
                    "now": now["total"],
                    "change": share_of(now["total"] - prev["total"], prev["total"]) if prev["total"] else None,
                }
                for now, prev in zip(figures["populations"], before["populations"], strict=True)
            ],
        }
    return figures


def previous_round_of(round_):
    from bma.rounds.models import Round

    return Round.objects.filter(number__lt=round_.number).order_by("-number").first()
