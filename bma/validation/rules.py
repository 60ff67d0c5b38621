"""Data-quality rules: pure functions from facts about an assessment to findings.

Each rule has a stable code, a severity and a message a supervisor understands. Rules see plain
dataclasses (built from the typed models by ``bma.validation.services``), never the ORM, so each one is
tested directly and all of them run fast over a whole round.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext, gettext_noop

from bma.geo.distance import haversine_km as distance_km

POPULATION_LABELS = {
    "imw": gettext_noop("International migrant workers"),
    "ret": gettext_noop("Return migrants"),
    "emi": gettext_noop("Emigrants"),
    "imi": gettext_noop("Internal migrants"),
    "ioi": gettext_noop("Internal out-migrants"),
}


class Severity:
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Thresholds:
    """Defaults come from settings; a round may override any of them (Round.quality_settings)."""

    min_informants: int = 2
    # A village cannot host more people of one category than this many per household.
    max_persons_per_household: float = 6.0
    gps_max_distance_km: float = 5.0
    district_margin_km: float = 10.0
    b1_b2_ratio_low: float = 0.5
    b1_b2_ratio_high: float = 2.0
    round_change_factor: float = 3.0
    round_change_min_total: int = 20
    min_fill_minutes: float = 5.0

    @classmethod
    def from_mapping(cls, values: dict | None) -> Thresholds:
        """Thresholds from JSON; ThresholdError names the wrong key or value in words."""
        if values is None:
            values = {}
        if not isinstance(values, dict):
            raise ThresholdError(
                f'Quality thresholds must be a JSON object such as {{"min_informants": 3}}, not {values!r}.'
            )
        problems = [problem for key, value in values.items() if (problem := _threshold_problem(key, value))]
        if problems:
            raise ThresholdError(" ".join(problems))
        return cls(**values)


class ThresholdError(ValueError):
    """Quality thresholds that cannot be used: the message names each wrong key or value."""


def _threshold_problem(key, value) -> str:
    import difflib

    fields = Thresholds.__dataclass_fields__
    if key not in fields:
        close = difflib.get_close_matches(str(key), list(fields), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"the thresholds are {', '.join(fields)}"
        return f"'{key}' is not a quality threshold ({hint})."
    whole = fields[key].type == "int"
    if isinstance(value, bool) or not isinstance(value, int if whole else (int, float)):
        kind = "a whole number" if whole else "a number"
        return f"'{key}' must be {kind} (the default is {fields[key].default}), not {json_text(value)}."
    if value < 0 or not math.isfinite(value):
        return f"'{key}' must not be negative; {value} was given."
    return ""


def json_text(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class PopulationFacts:
    present: bool | None
    total: int | None
    yearly: dict[int, int] = field(default_factory=dict)
    countries: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class HousingFacts:
    """Whole-family departures by year and empty houses (per-round B2 versions; empty before)."""

    departures: dict[int, int] = field(default_factory=dict)
    houses_empty: int | None = None
    houses_looked_after: int | None = None


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    min_lon: float
    max_lat: float
    max_lon: float

    def distance_outside_km(self, p: Point) -> float:
        """0 inside the box, else the distance to its nearest edge."""
        lat = min(max(p.lat, self.min_lat), self.max_lat)
        lon = min(max(p.lon, self.min_lon), self.max_lon)
        return haversine_km(p, Point(lat, lon))


@dataclass(frozen=True)
class AssessmentFacts:
    """What the rules know about one B2 village assessment."""

    village_name: str
    households: int | None
    informants: int
    populations: dict[str, PopulationFacts]
    gps: Point | None = None
    village_location: Point | None = None
    district_bounds: BoundingBox | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    previous_totals: dict[str, int] | None = None
    other_assessments_in_round: int = 0
    # The district's code when the enumerator is assigned in the round but not to it (nor to its province).
    district_outside_assignment: str = ""
    round_number: int | None = None
    # The round typed on the tablet; only old form versions ask it (per-round versions know it).
    round_answered: int | None = None
    housing: HousingFacts = field(default_factory=HousingFacts)


@dataclass(frozen=True)
class DistrictFacts:
    """B1 district estimates against the sum of the district's B2 village totals."""

    district_name: str
    b1_estimates: dict[str, int]
    b2_totals: dict[str, int]
    round_number: int | None = None
    round_answered: int | None = None  # the round typed on the tablet


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str  # in English, as stored; ``text`` lets a page say it again in its reader's language
    population: str = ""
    details: dict = field(default_factory=dict)
    # ((template, params), ...): each template a msgid with %(name)s places, filled by ``text_english``
    # here and by bma/validation/issue_text.py in the reader's language (numbers grouped for the locale).
    text: tuple = ()


def text_english(parts) -> str:
    return " ".join(template % english_params(params) for template, params in parts)


def english_params(params: dict) -> dict:
    return shown_params(params, label=str, whole=lambda n: f"{n:,}", measured=lambda x: f"{x:,.1f}")


def shown_params(params: dict, *, label, whole, measured) -> dict:
    """A message's values as a reader sees them. ``population`` holds a population code and becomes its
    label (``population_lower``: in lower case); whole numbers go through ``whole`` (2,000) and measured
    ones through ``measured`` (3.0 minutes); ``label`` may translate. Text is shown as it is."""
    shown = {}
    for key, value in params.items():
        if key in ("population", "population_lower"):
            text = label(POPULATION_LABELS.get(value, value))
            shown[key] = text.lower() if key == "population_lower" else text
        elif isinstance(value, bool) or not isinstance(value, int | float):
            shown[key] = value
        else:
            shown[key] = whole(value) if isinstance(value, int) else measured(value)
    return shown


def _limit(value: float) -> int | float:
    """A threshold as people write it: 5, not 5.0 (a whole float would otherwise keep its decimal)."""
    return int(value) if float(value).is_integer() else value


def finding(code: str, severity: str, *parts: tuple[str, dict], population: str = "", details=None) -> Finding:
    return Finding(code, severity, text_english(parts), population, details or {}, tuple(parts))


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    scope: str  # "assessment" or "district"
    title: str
    check: Callable


ASSESSMENT_RULES: list[Rule] = []
DISTRICT_RULES: list[Rule] = []


def rule(code: str, severity: str, title: str, scope: str = "assessment"):
    def register(fn):
        entry = Rule(code=code, severity=severity, scope=scope, title=title, check=fn)
        (ASSESSMENT_RULES if scope == "assessment" else DISTRICT_RULES).append(entry)
        return fn

    return register


def haversine_km(a: Point, b: Point) -> float:
    return distance_km(a.lat, a.lon, b.lat, b.lon)


def _n(value: int) -> str:
    return f"{value:,}"


N_ = gettext_noop  # a message template: translated where it is shown, not here


# --- Rules on one assessment ----------------------------------------------------------------------


@rule("countries_exceed_total", Severity.ERROR, N_("Country counts add up to more than the total"))
def countries_exceed_total(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    found = []
    for code, pop in facts.populations.items():
        if pop.total is None or not pop.countries:
            continue
        summed = sum(pop.countries.values())
        if summed > pop.total:
            found.append(
                finding(
                    "countries_exceed_total",
                    Severity.ERROR,
                    (
                        N_("%(population)s: the countries add up to %(sum)s but the total is %(total)s."),
                        {"population": code, "sum": summed, "total": pop.total},
                    ),
                    population=code,
                    details={"sum": summed, "total": pop.total},
                )
            )
    return found


@rule("year_exceeds_total", Severity.ERROR, N_("A year's figure is larger than the total for the period"))
def year_exceeds_total(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    # The total counts everyone over the reference period once and a year counts that year's people
    # (xforms/definitions.py): the years may add up to more than the total, but no one year can exceed it.
    found = []
    for code, pop in facts.populations.items():
        if pop.total is None or not pop.yearly:
            continue
        over = {year: n for year, n in sorted(pop.yearly.items()) if n > pop.total}
        if over:
            years = ", ".join(f"{year}: {_n(n)}" for year, n in over.items())
            found.append(
                finding(
                    "year_exceeds_total",
                    Severity.ERROR,
                    (
                        N_("%(population)s: %(years)s — more than the total of %(total)s for the whole period."),
                        {"population": code, "years": years, "total": pop.total},
                    ),
                    population=code,
                    details={"years": {str(y): n for y, n in over.items()}, "total": pop.total},
                )
            )
    return found


@rule("presence_total_mismatch", Severity.ERROR, N_("Presence and total disagree"))
def presence_total_mismatch(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    found = []
    for code, pop in facts.populations.items():
        if pop.present and not pop.total:
            template = N_("%(population)s are marked present but the total is %(total)s.")
        elif pop.present is False and pop.total:
            template = N_("%(population)s are marked absent but the total is %(total)s.")
        else:
            continue
        found.append(
            finding(
                "presence_total_mismatch",
                Severity.ERROR,
                (template, {"population": code, "total": pop.total or 0}),
                population=code,
            )
        )
    return found


@rule("implausible_for_households", Severity.WARNING, N_("Count implausible for the village's households"))
def implausible_for_households(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    if not facts.households:
        return []
    limit = facts.households * t.max_persons_per_household
    found = []
    for code, pop in facts.populations.items():
        # Emigrants and out-migrants have left; people hosted or returned live in the households.
        if code in ("emi", "ioi"):
            continue
        if pop.total and pop.total > limit:
            found.append(
                finding(
                    "implausible_for_households",
                    Severity.WARNING,
                    (
                        N_(
                            "%(population)s: %(total)s is more than %(per_household)s per household for a village "
                            "of %(households)s households."
                        ),
                        {
                            "population": code,
                            "total": pop.total,
                            "per_household": _limit(t.max_persons_per_household),
                            "households": facts.households,
                        },
                    ),
                    population=code,
                    details={"total": pop.total, "households": facts.households},
                )
            )
    return found


@rule("impossible_housing", Severity.ERROR, N_("Departures or empty houses larger than the village"))
def impossible_housing(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    """The form stops these on a device; Kobo, edits and the API are not bound by its constraints."""
    housing, households = facts.housing, facts.households
    problems = []
    if households is not None and housing.houses_empty is not None and housing.houses_empty > households:
        problems.append(
            (
                N_("%(empty)s houses stand empty in a village of %(households)s households."),
                {"empty": housing.houses_empty, "households": households},
                "empty",
            )
        )
    left = sum(housing.departures.values())
    if households is not None and left > households:
        problems.append(
            (
                N_("%(left)s households left entirely in %(years)s, more than the village's %(households)s."),
                {
                    "left": left,
                    "years": f"{min(housing.departures)}-{max(housing.departures)}",
                    "households": households,
                },
                "left",
            )
        )
    if (housing.houses_looked_after or 0) > (housing.houses_empty or 0):
        problems.append(
            (
                N_("%(looked_after)s empty houses are looked after, but only %(empty)s stand empty."),
                {"looked_after": housing.houses_looked_after, "empty": housing.houses_empty or 0},
                "looked_after",
            )
        )
    if not problems:
        return []
    # One finding (issues are keyed by rule and population), naming every problem found.
    return [
        finding(
            "impossible_housing",
            Severity.ERROR,
            *((template, params) for template, params, _ in problems),
            details={"checks": [check for _, _, check in problems]},
        )
    ]


@rule("too_few_informants", Severity.WARNING, N_("Fewer key informants than required"))
def too_few_informants(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    if facts.informants >= t.min_informants:
        return []
    return [
        finding(
            "too_few_informants",
            Severity.WARNING,
            (
                N_("Only %(informants)s key informant(s) were interviewed; at least %(required)s are required."),
                {"informants": facts.informants, "required": t.min_informants},
            ),
            details={"informants": facts.informants},
        )
    ]


@rule("gps_far_from_village", Severity.WARNING, N_("GPS far from the village's known location"))
def gps_far_from_village(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    if facts.gps is None or facts.village_location is None:
        return []
    distance = haversine_km(facts.gps, facts.village_location)
    if distance <= t.gps_max_distance_km:
        return []
    return [
        finding(
            "gps_far_from_village",
            Severity.WARNING,
            (
                N_("The GPS point is %(distance)s km from the known location of %(village)s (more than %(limit)s km)."),
                {"distance": round(distance, 1), "village": facts.village_name, "limit": _limit(t.gps_max_distance_km)},
            ),
            details={"distance_km": round(distance, 2)},
        )
    ]


@rule("gps_outside_district", Severity.ERROR, N_("GPS outside the village's district"))
def gps_outside_district(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    if facts.gps is None or facts.district_bounds is None:
        return []
    outside = facts.district_bounds.distance_outside_km(facts.gps)
    if outside <= t.district_margin_km:
        return []
    return [
        finding(
            "gps_outside_district",
            Severity.ERROR,
            (
                N_("The GPS point lies %(outside)s km outside the district of %(village)s."),
                {"outside": round(outside), "village": facts.village_name},
            ),
            details={"outside_km": round(outside, 1)},
        )
    ]


@rule("large_change_since_previous_round", Severity.WARNING, N_("Large change since the previous round"))
def large_change_since_previous_round(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    if not facts.previous_totals:
        return []
    found = []
    for code, pop in facts.populations.items():
        before = facts.previous_totals.get(code)
        now = pop.total or 0
        if before is None or max(before, now) < t.round_change_min_total:
            continue
        low, high = sorted((before, now))
        if low == 0 or high / low >= t.round_change_factor:
            found.append(
                finding(
                    "large_change_since_previous_round",
                    Severity.WARNING,
                    (
                        N_("%(population)s: %(current)s now against %(previous)s in the previous round."),
                        {"population": code, "current": now, "previous": before},
                    ),
                    population=code,
                    details={"previous": before, "current": now},
                )
            )
    return found


@rule("assessed_twice_in_round", Severity.ERROR, N_("The same village assessed twice in the round"))
def assessed_twice_in_round(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    if facts.other_assessments_in_round <= 0:
        return []
    return [
        finding(
            "assessed_twice_in_round",
            Severity.ERROR,
            (
                N_("%(village)s has %(others)s other assessment(s) in this round; keep one and reject the others."),
                {"village": facts.village_name, "others": facts.other_assessments_in_round},
            ),
            details={"others": facts.other_assessments_in_round},
        )
    ]


@rule("outside_assignment", Severity.ERROR, N_("Submitted for a district outside the enumerator's assignment"))
def outside_assignment(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    # Kept and counted (never lose data), but a supervisor must confirm the visit was meant.
    if not facts.district_outside_assignment:
        return []
    return [
        finding(
            "outside_assignment",
            Severity.ERROR,
            (
                N_(
                    "%(village)s is in %(district)s, outside the areas the enumerator is assigned to in this round; "
                    "confirm the visit or reject the assessment."
                ),
                {"village": facts.village_name, "district": facts.district_outside_assignment},
            ),
            details={"district": facts.district_outside_assignment},
        )
    ]


@rule("filled_too_fast", Severity.WARNING, N_("Form filled implausibly fast"))
def filled_too_fast(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    if facts.started_at is None or facts.ended_at is None:
        return []
    minutes = (facts.ended_at - facts.started_at).total_seconds() / 60
    if minutes >= t.min_fill_minutes:
        return []
    return [
        finding(
            "filled_too_fast",
            Severity.WARNING,
            (
                N_(
                    "The form was filled in %(minutes)s minutes; an interview with several informants takes at "
                    "least %(required)s."
                ),
                {"minutes": round(minutes, 1), "required": _limit(t.min_fill_minutes)},
            ),
            details={"minutes": round(minutes, 1)},
        )
    ]


def _round_answer_findings(code: str, answered: int | None, received: int | None) -> list[Finding]:
    if answered is None or received is None or answered == received:
        return []
    # Round numbers are labels, not quantities: passed as text so no locale groups them.
    return [
        finding(
            code,
            Severity.WARNING,
            (
                N_(
                    "The enumerator typed round %(answered)s, but the submission was received for round "
                    "%(received)s. It is counted in round %(received)s; check which round it belongs to."
                ),
                {"answered": str(answered), "received": str(received)},
            ),
            details={"answered": answered, "received": received},
        )
    ]


@rule("round_answer_differs", Severity.WARNING, N_("Round typed on the tablet differs from the submission's round"))
def round_answer_differs(facts: AssessmentFacts, t: Thresholds) -> list[Finding]:
    return _round_answer_findings("round_answer_differs", facts.round_answered, facts.round_number)


# --- Rules on a district ------------------------------------------------------------------------


@rule("b2_far_from_b1", Severity.WARNING, N_("District's village totals far from its B1 estimate"), scope="district")
def b2_far_from_b1(facts: DistrictFacts, t: Thresholds) -> list[Finding]:
    found = []
    for code, estimate in facts.b1_estimates.items():
        summed = facts.b2_totals.get(code, 0)
        if not estimate and not summed:
            continue
        ratio = summed / estimate if estimate else math.inf
        if ratio < t.b1_b2_ratio_low or ratio > t.b1_b2_ratio_high:
            found.append(
                finding(
                    "b2_far_from_b1",
                    Severity.WARNING,
                    (
                        N_(
                            "%(district)s, %(population_lower)s: the villages add up to %(b2)s against a district "
                            "estimate of %(b1)s."
                        ),
                        {"district": facts.district_name, "population_lower": code, "b2": summed, "b1": estimate},
                    ),
                    population=code,
                    details={"b1": estimate, "b2": summed},
                )
            )
    return found


@rule(
    "b1_round_answer_differs",
    Severity.WARNING,
    N_("Round typed on the B1 tablet differs from the submission's round"),
    scope="district",
)
def b1_round_answer_differs(facts: DistrictFacts, t: Thresholds) -> list[Finding]:
    return _round_answer_findings("b1_round_answer_differs", facts.round_answered, facts.round_number)


def run_assessment_rules(facts: AssessmentFacts, thresholds: Thresholds) -> list[Finding]:
    return [finding for r in ASSESSMENT_RULES for finding in r.check(facts, thresholds)]


def run_district_rules(facts: DistrictFacts, thresholds: Thresholds) -> list[Finding]:
    return [finding for r in DISTRICT_RULES for finding in r.check(facts, thresholds)]


def rule_title(code: str) -> str:
    """A rule's title in the active language (the code itself for a rule this version no longer has)."""
    titles = {r.code: r.title for r in (*ASSESSMENT_RULES, *DISTRICT_RULES)}
    return gettext(titles[code]) if code in titles else code
