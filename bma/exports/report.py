"""The round report's figures, computed in SQL (aggregates), shaped like the published report's tables.

Which assessments count: the current assessment of each village in the round, approved ones by
default (as the coordinators' exports); ``include_unapproved`` adds everything not rejected.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_noop

from bma.assessments import models as am
from bma.assessments.counting import round_figures_scope
from bma.core.cache_versions import versions_of
from bma.core.params import choice_param
from bma.exports.comparison import latest_published, round_comparison
from bma.exports.departures import HOUSING_SUMS, departures_per_province
from bma.exports.report_math import share_of, shares, top_n, year_on_year
from bma.geo.models import AdminArea
from bma.xforms import codelists as cl
from bma.xforms import definitions

log = logging.getLogger(__name__)


def include_unapproved_param(params) -> bool:
    """``?include=unapproved`` (the report, the profile, their JSON); any other value is a 400."""
    return choice_param(params, "include", ["unapproved"]) == "unapproved"


DISTANCE_ORDER = list(cl.DISTANCE_BANDS)
# "Over 13,000 families had to travel more than five kilometres": the published text quotes households
# beyond a distance, per service. Each threshold is a band's upper edge, so the sums are exact.
DISTANCE_THRESHOLDS_KM = (5, 10, 15, 20, 25)
# "91 per cent of migrant workers ... in just five districts": the concentration the text quotes.
TOP_DISTRICTS = 5

# The report's notes: what its figures mean, in the words the form's hints and the codebook use
# (definitions.FIGURE_DEFINITIONS), in the order a reader meets the figures.
NOTE_TITLES = {
    "total": gettext_noop("Population totals"),
    "yearly": gettext_noop("Yearly figures"),
    "households": gettext_noop("Households"),
    "departures": gettext_noop("Whole-family departures"),
    "houses_empty": gettext_noop("Empty houses"),
    "houses_looked_after": gettext_noop("Empty houses looked after"),
    "other_country": gettext_noop("Other country"),
    "shares": gettext_noop("Shares"),
}


def report_notes() -> list[dict]:
    return [
        {"figure": key, "title": title, "definition": definitions.FIGURE_DEFINITIONS[key]}
        for key, title in NOTE_TITLES.items()
    ]


@dataclass(frozen=True)
class Counted:
    """Which assessments count, as a filter reachable from any table through a join prefix.

    Joins rather than IN (subquery) lists: the planner then aggregates a 100,000-village round in one pass.
    """

    round_id: int
    include_unapproved: bool = False
    district_id: int | None = None  # one district's figures (the district profile), or the whole round

    def q(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}round_id": self.round_id, f"{prefix}is_current": True})
        if self.district_id is not None:
            q &= Q(**{f"{prefix}district_id": self.district_id})
        if self.include_unapproved:
            return q & ~Q(**{f"{prefix}review_state": am.ReviewState.REJECTED})
        return q & Q(**{f"{prefix}review_state": am.ReviewState.APPROVED})


def counted_assessments(round_, include_unapproved: bool = False) -> QuerySet:
    qs = am.VillageAssessment.objects.filter(round=round_, is_current=True)
    if include_unapproved:
        return qs.exclude(review_state=am.ReviewState.REJECTED)
    return qs.filter(review_state=am.ReviewState.APPROVED)


def community_points(round_, include_unapproved: bool = False) -> list[tuple[float, float, str]]:
    """(latitude, longitude, province code) of each counted community, for the report's map: the tablet's
    GPS point, or the gazetteer's where the tablet recorded none. By code: the legend's names are the
    figures' own, in the reader's language (report_document.report_charts)."""
    rows = (
        counted_assessments(round_, include_unapproved)
        .annotate(lat=Coalesce("latitude", "village__latitude"), lon=Coalesce("longitude", "village__longitude"))
        .filter(lat__isnull=False, lon__isnull=False)
        .values_list("lat", "lon", "province__code")
    )
    return [(float(lat), float(lon), province or "") for lat, lon, province in rows.iterator()]


def round_years(round_, assessments=None) -> list[int]:
    """The years a round's figures are shown for: its reference period, plus any year its data holds.

    A round filled with an older form version may hold years outside its period; they are shown too,
    never dropped.
    """
    stored = am.YearlyFigure.objects.filter(assessment__round=round_)
    if assessments is not None:
        stored = am.YearlyFigure.objects.filter(assessment__in=assessments)
    held = set(stored.order_by().values_list("year", flat=True).distinct())
    return sorted(set(round_.reference_years) | held)


def _zero_for_none(pairs) -> dict:
    return {key: value or 0 for key, value in pairs}


def _name(area_name: str | None) -> str:
    return area_name or "Unknown"


def _grouped(queryset, population_field: str, key_field: str, aggregate) -> dict[str, dict]:
    """{population: {key: value}} from one GROUP BY population, key query."""
    grouped: dict[str, dict] = defaultdict(dict)
    rows = (
        queryset.values(population_field, key_field).annotate(n=aggregate).values_list(population_field, key_field, "n")
    )
    for population, key, value in rows:
        grouped[population][key] = value or 0
    return grouped


@dataclass
class PopulationAggregates:
    """Every per-population figure of the report, in seven grouped queries for all five populations."""

    totals: dict
    reporting: dict
    by_province: dict
    by_district: dict
    by_year: dict
    reasons: dict
    types: dict
    countries: dict
    moved: dict
    within: dict
    area_provinces: dict
    # Breakdowns are keyed by area code: two areas with one English name stay two rows, a renamed area
    # stays one. {code: English name}, attached to each row once the figures are computed.
    area_names: dict = field(default_factory=dict)

    @classmethod
    def compute(cls, counted: Counted) -> PopulationAggregates:
        present = am.PopulationFigure.objects.filter(counted.q("assessment__"), present=True)
        below = Q(counted.q("figure__assessment__"), figure__present=True)
        # Yearly figures, countries and reasons exist only under present figures and carry the
        # figure's assessment and population (FigureDetail): no join through the 500,000 figures.
        details = counted.q("assessment__")
        # Totals, communities reporting, and the province and district breakdowns all come from one
        # GROUP BY population, province, district: three scans of the figures became one.
        totals, reporting = defaultdict(int), defaultdict(int)
        by_province, by_district = defaultdict(lambda: defaultdict(int)), defaultdict(lambda: defaultdict(int))
        names: dict = {}
        # Grouped by code; the name rides along (a code has one name, so it splits nothing).
        area_fields = [
            f"assessment__{level}__{attr}" for level in ("province", "district") for attr in ("code", "name_en")
        ]
        for population, province, province_name, district, district_name, summed, count in (
            present.values("population", *area_fields)
            .annotate(summed=Sum("total"), n=Count("pk"))
            .values_list("population", *area_fields, "summed", "n")
        ):
            totals[population] += summed or 0
            reporting[population] += count
            by_province[population][province or ""] += summed or 0
            by_district[population][district or ""] += summed or 0
            names[province or ""], names[district or ""] = _name(province_name), _name(district_name)
        flows = am.AreaFlow.objects.filter(below)
        flow_rows = {
            row["figure__population"]: row
            for row in flows.values("figure__population").annotate(
                moved=Sum("count"),
                within=Sum("count", filter=Q(area_id=F("figure__assessment__district_id"))),
            )
        }
        area_provinces: dict = defaultdict(lambda: defaultdict(int))
        for population, code, name, count in (
            flows.values("figure__population", "area__parent__code", "area__parent__name_en")
            .annotate(n=Sum("count"))
            .values_list("figure__population", "area__parent__code", "area__parent__name_en", "n")
        ):
            area_provinces[population][code or ""] += count or 0
            names[code or ""] = _name(name)
        return cls(
            totals=dict(totals),
            reporting=dict(reporting),
            by_province={p: dict(v) for p, v in by_province.items()},
            by_district={p: dict(v) for p, v in by_district.items()},
            by_year=_grouped(am.YearlyFigure.objects.filter(details), "population", "year", Sum("count")),
            reasons=_grouped(am.PopulationReason.objects.filter(details), "population", "reason", Count("pk")),
            types=_grouped(present.exclude(migration_type=""), "population", "migration_type", Count("pk")),
            countries=_grouped(am.CountryFigure.objects.filter(details), "population", "country", Sum("count")),
            moved={p: r["moved"] or 0 for p, r in flow_rows.items()},
            within={p: r["within"] or 0 for p, r in flow_rows.items()},
            area_provinces={p: dict(v) for p, v in area_provinces.items()},
            area_names=names,
        )


def population_figures(agg: PopulationAggregates, pop: str, communities: int, years=cl.YEARS) -> dict:
    total = agg.totals.get(pop, 0)
    reporting = agg.reporting.get(pop, 0)
    by_province = agg.by_province.get(pop, {})
    by_district = agg.by_district.get(pop, {})
    by_year = agg.by_year.get(pop, {})
    top_districts = top_n(by_district, TOP_DISTRICTS)

    def named(code) -> str:
        return agg.area_names.get(code) or _name(code)

    block = {
        "code": pop,
        "label": cl.POPULATIONS[pop][0],
        "total": total,
        "communities_reporting": reporting,
        "share_of_communities": share_of(reporting, communities),
        "by_province": [
            {"code": k, "province": named(k), "total": v, "share": s}
            for (k, v), s in zip(_largest_first(by_province), _ordered_shares(by_province), strict=True)
        ],
        "top_districts": [
            {"code": k, "district": named(k), "total": v, "share": share_of(v, total)} for k, v in top_districts
        ],
        # Of the total, the share the top districts hold together (one rounding, not a sum of rounded shares).
        "top_districts_share": share_of(sum(v for _, v in top_districts), total),
        "yearly": [
            {"year": year, "total": by_year.get(year, 0), "change": change}
            for year, change in year_on_year({y: by_year.get(y, 0) for y in years}).items()
        ],
    }
    block["reasons"] = [
        {"reason": cl.REASONS[k][0], "code": k, "share": s}
        for k, s in sorted(shares(agg.reasons.get(pop, {})).items(), key=lambda kv: (-kv[1], str(kv[0])))
    ]
    if pop in cl.POPULATIONS_WITH_MIGRATION_TYPE:
        block["migration_types"] = [
            {"type": cl.MIGRATION_TYPES[k][0], "code": k, "share": s}
            for k, s in sorted(shares(agg.types.get(pop, {})).items(), key=lambda kv: (-kv[1], str(kv[0])))
        ]
    if pop in cl.INTERNATIONAL_POPULATIONS:
        countries = {k: v or 0 for k, v in agg.countries.get(pop, {}).items()}
        named = sum(countries.values())
        block["countries_count"] = sum(1 for v in countries.values() if v > 0)
        # Shares of the people the country breakdown names ("97 per cent returned from Russia").
        block["top_countries"] = [
            {"country": cl.COUNTRIES.get(k, (k,))[0], "code": k, "total": v, "share": share_of(v, named)}
            for k, v in top_n(countries, 5)
        ]
    else:
        block["within_same_district_share"] = share_of(agg.within.get(pop, 0), agg.moved.get(pop, 0))
        block["other_area_by_province"] = [
            {"code": k, "province": named(k), "share": s}
            for k, s in sorted(
                shares({k: v or 0 for k, v in agg.area_provinces.get(pop, {}).items()}).items(),
                key=lambda kv: (-kv[1], str(kv[0])),
            )
        ]
    return block


def informant_types(counts: dict) -> list[dict]:
    """The key informants' types, largest first (ties by code), with each one's share."""
    computed = shares(counts)
    return [
        {"type": cl.INFORMANT_TYPES.get(code, (code,))[0], "code": code, "total": n, "share": computed[code]}
        for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _largest_first(counts: dict) -> list[tuple[str, int]]:
    """Largest first, ties by code (stable through a rename)."""
    return sorted(((k, v or 0) for k, v in counts.items()), key=lambda kv: (-kv[1], str(kv[0])))


def _ordered_shares(counts: dict) -> list[float]:
    computed = shares({k: v or 0 for k, v in counts.items()})
    return [computed[k] for k, _ in _largest_first(counts)]


def services_figures(counted: Counted) -> dict:
    # One GROUP BY service, available, band gives both tables.
    counts: dict[tuple, int] = defaultdict(int)
    households: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for service, available, band, count, affected in (
        am.ServiceAccess.objects.filter(counted.q("assessment__"))
        .values("service", "available", "distance_band")
        .annotate(n=Count("pk"), affected=Sum("households_affected"))
        .values_list("service", "available", "distance_band", "n", "affected")
    ):
        counts[(service, available)] += count
        if not available:
            households[band][service] += affected or 0
    availability = []
    for code, labels in cl.SERVICES.items():
        yes, no = counts.get((code, True), 0), counts.get((code, False), 0)
        share = shares({"yes": yes, "no": no})
        availability.append(
            {"service": labels[0], "code": code, "yes": share["yes"], "no": share["no"], "communities": yes + no}
        )
    distance_table = [
        {"band": cl.DISTANCE_BANDS[band][0], "code": band, **{s: households[band].get(s, 0) for s in cl.SERVICES}}
        for band in DISTANCE_ORDER
    ]
    distance_table.append(
        {
            "band": gettext_noop("Total households"),
            "code": "total",
            **{s: sum(households[b].get(s, 0) for b in DISTANCE_ORDER) for s in cl.SERVICES},
        }
    )
    beyond = []
    for edge, km in enumerate(DISTANCE_THRESHOLDS_KM, start=1):
        farther = DISTANCE_ORDER[edge:]  # the bands past the edge-th band's upper end
        beyond.append({"more_than_km": km, **{s: sum(households[b].get(s, 0) for b in farther) for s in cl.SERVICES}})
    return {"availability": availability, "distance_households": distance_table, "households_beyond": beyond}


EXPORT_WORK_MEM = "128MB"


@contextmanager
def roomy_read_transaction():
    """Reads of a whole round in one transaction, with memory to sort and hash 100,000 villages.

    PostgreSQL's default work_mem (4 MB) sends these sorts and aggregates to temporary files (the
    export took twice as long). SET LOCAL ends with the transaction: the connection's other work is
    not affected.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{EXPORT_WORK_MEM}'")
        yield


# Bumped when the figures' shape changes in the code: entries of the old shape are then never read.
LIVE_FIGURES_FORMAT = 1


def round_figures(round_, include_unapproved: bool = False, previous_round=None, fresh: bool = False) -> dict:
    """The round's live figures, from the cache while nothing they are made of has changed.

    Every view of the report, the published page and the API asked for them, each time computing the
    figures of two rounds (round N, and round N-1 for the comparison when it has no published version).
    ``fresh``: computed from the database whatever the cache holds (publishing freezes these)."""
    key = None if fresh else _live_figures_key(round_, include_unapproved, previous_round)
    if key is not None:
        try:
            cached = cache.get(key)
        except Exception:
            log.warning("The cache cannot be reached: figures are computed afresh", exc_info=True)
            key, cached = None, None
        if cached is not None:
            return cached
    with roomy_read_transaction():
        figures = _round_figures(round_, include_unapproved, previous_round, fresh)
    if key is not None:
        try:
            cache.set(key, figures, timeout=settings.BMA_LIVE_FIGURES_CACHE_SECONDS)
        except Exception:
            log.warning("Could not keep the figures in the cache", exc_info=True)
    return figures


def _live_figures_key(round_, include_unapproved: bool, previous_round) -> str | None:
    """The cache key of these figures: everything they are made of, by version or by a cheap read.

    - the round's counted assessments: the version bumped by every writer (assessments.counting);
    - the round's own fields (name, dates, reference years): its updated_at;
    - the area names the rows are labelled with: the newest change to any area, and how many there are;
    - round N-1: its latest published version's id (the comparison's "before"), else its own live
      figures, so its version and fields as above.
    None (not cached) when the cache cannot be reached."""
    if settings.BMA_LIVE_FIGURES_CACHE_SECONDS <= 0:
        return None
    rounds = [round_] + ([previous_round] if previous_round is not None else [])
    versions = versions_of(round_figures_scope(r.pk) for r in rounds)
    if versions is None:
        return None
    areas = AdminArea.objects.aggregate(changed=Max("updated_at"), n=Count("pk"))
    parts = [LIVE_FIGURES_FORMAT, include_unapproved, areas["changed"], areas["n"]]
    for r in rounds:
        parts += [r.pk, versions[round_figures_scope(r.pk)], r.updated_at]
    if previous_round is not None:
        latest = latest_published(previous_round)
        parts.append(latest.pk if latest else None)
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"live-figures:{round_.pk}:{digest}"


def _round_figures(round_, include_unapproved: bool, previous_round, fresh: bool = False) -> dict:
    counted = Counted(round_.pk, include_unapproved)
    assessments = counted_assessments(round_, include_unapproved)
    communities = assessments.count()
    informants = am.Informant.objects.filter(counted.q("village_assessment__"))
    aggregates = PopulationAggregates.compute(counted)
    years = round_years(round_, assessments)
    by_sex = dict(informants.values("sex").annotate(n=Count("pk")).values_list("sex", "n"))
    by_type = dict(informants.values("informant_type").annotate(n=Count("pk")).values_list("informant_type", "n"))
    districts = list(
        assessments.values("district__name_en", "district__code", "province__name_en", "province__code")
        # The housing answers' sums ride on this scan of the assessments (the departures section).
        .annotate(n=Count("pk"), **HOUSING_SUMS)
        .order_by("province__name_en", "district__name_en")
    )
    figures = {
        "round": {
            "number": round_.number,
            "name": round_.name,
            "collection_start": str(round_.collection_start),
            "collection_end": str(round_.collection_end),
        },
        "basis": gettext_noop("approved and other non-rejected assessments")
        if include_unapproved
        else gettext_noop("approved assessments"),
        "communities": communities,
        "districts": [
            {
                "province": _name(d["province__name_en"]),
                "district": _name(d["district__name_en"]),
                "code": d["district__code"] or "",
                "province_code": d["province__code"] or "",
                "communities": d["n"],
            }
            for d in districts
        ],
        "informants": {
            "total": sum(by_sex.values()),
            "share_by_sex": shares({cl.SEXES[k][0]: v for k, v in by_sex.items() if k in cl.SEXES}),
            "by_type": informant_types(by_type),
        },
        "populations": [population_figures(aggregates, pop, communities, years) for pop in cl.POPULATION_CODES],
        "services": services_figures(counted),
        "departures": departures_per_province(counted, round_.reference_years, districts),
        "notes": report_notes(),
    }
    if previous_round is not None:
        # Round N-1 as it was sent out (its latest published version), not recomputed: see comparison.py.
        published = latest_published(previous_round)
        before = published.figures if published else round_figures(previous_round, include_unapproved, fresh=fresh)
        figures["comparison"] = round_comparison(previous_round.number, before, figures, published)
    return figures


def previous_round_of(round_):
    from bma.rounds.models import Round

    return Round.objects.filter(number__lt=round_.number).order_by("-number").first()
