"""Running the quality rules on stored assessments.

Facts for the pure rules are built here in a fixed number of queries per batch; the findings become
QualityIssue rows. Re-running is idempotent: a finding that still applies keeps its row (and any
decision on it), an open issue that no longer applies is removed. A round's thresholds and tolerances
live in quality_settings.py, spot-check sampling and comparison in spot_checks.py; callers import
them from here too.
"""

from __future__ import annotations

from collections import Counter, defaultdict, namedtuple

from django.db import transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from bma.assessments import models as am
from bma.assessments.counting import lock_districts
from bma.core.bulk import rows_insert
from bma.core.errors import BmaError, codes
from bma.geo.models import Settlement
from bma.rounds.scoping import path_within
from bma.validation.models import IssueState, QualityIssue
from bma.validation.quality_settings import round_quality_settings_save, round_thresholds, round_tolerances
from bma.validation.rules import (
    AssessmentFacts,
    BoundingBox,
    DistrictFacts,
    Finding,
    HousingFacts,
    Point,
    PopulationFacts,
    Thresholds,
    run_assessment_rules,
    run_district_rules,
)
from bma.validation.spot_checks import (
    spot_check_compare,
    spot_check_rows,
    spot_check_sample_create,
    spot_check_sample_draw,
    spot_check_sample_fill,
    spot_check_summary,
)

__all__ = [
    "district_facts",
    "issue_decide",
    "issue_resolve",
    "issue_waive",
    "quality_check",
    "quality_check_round",
    "quality_check_stored",
    "round_quality_settings_save",
    "round_thresholds",
    "round_tolerances",
    "spot_check_compare",
    "spot_check_rows",
    "spot_check_sample_create",
    "spot_check_sample_draw",
    "spot_check_sample_fill",
    "spot_check_summary",
    "village_facts",
    "villages_quality_recheck",
]


# --- Facts ------------------------------------------------------------------------------------------


def _point(lat, lon) -> Point | None:
    return Point(float(lat), float(lon)) if lat is not None and lon is not None else None


def _population_facts(assessment_ids: list[int]) -> dict[int, dict[str, PopulationFacts]]:
    """Populations of many assessments as plain values: three queries, no model instances (the hot path)."""
    figures = am.PopulationFigure.objects.filter(assessment_id__in=assessment_ids)
    yearly: dict[int, dict[int, int]] = {}
    for figure_id, year, count in am.YearlyFigure.objects.filter(assessment_id__in=assessment_ids).values_list(
        "figure_id", "year", "count"
    ):
        yearly.setdefault(figure_id, {})[year] = count
    countries: dict[int, dict[str, int]] = {}
    for figure_id, country, count in am.CountryFigure.objects.filter(assessment_id__in=assessment_ids).values_list(
        "figure_id", "country", "count"
    ):
        countries.setdefault(figure_id, {})[country] = count or 0
    result: dict[int, dict[str, PopulationFacts]] = {}
    for figure_id, assessment_id, population, present, total in figures.values_list(
        "pk", "assessment_id", "population", "present", "total"
    ):
        result.setdefault(assessment_id, {})[population] = PopulationFacts(
            present=present, total=total, yearly=yearly.get(figure_id, {}), countries=countries.get(figure_id, {})
        )
    return result


# The columns of a visit the rules read, its village's, round's and district's among them.
VISIT_COLUMNS = (
    "pk",
    "round_id",
    "village_id",
    "district_id",
    "enumerator_id",
    "review_state",
    "village_name_typed",
    "households",
    "latitude",
    "longitude",
    "started_at",
    "ended_at",
    "round_answered",
    "houses_empty",
    "houses_looked_after",
    "village__name_en",
    "village__latitude",
    "village__longitude",
    "round__number",
    "district__path",
    "district__code",
)
Visit = namedtuple("Visit", [column.replace("__", "_") for column in VISIT_COLUMNS])


def village_facts(assessments: list[am.VillageAssessment]) -> dict[int, AssessmentFacts]:
    """Facts for many B2 assessments in a handful of queries."""
    if not assessments:
        return {}
    ids = [a.pk for a in assessments]
    # Plain values, not model instances: a batch reads hundreds of visits with their village, round
    # and district, and the rules need a few columns of each.
    rows = [Visit(*row) for row in am.VillageAssessment.objects.filter(pk__in=ids).values_list(*VISIT_COLUMNS)]
    informant_counts = dict(
        am.Informant.objects.filter(village_assessment_id__in=ids)
        .values_list("village_assessment_id")
        .annotate(n=Count("pk"))
        .values_list("village_assessment_id", "n")
    )
    district_ids = {a.district_id for a in rows}
    bounds = {
        b["district_id"]: b
        for b in Settlement.objects.filter(district_id__in=district_ids, latitude__isnull=False)
        .values("district_id")
        .annotate(min_lat=Min("latitude"), max_lat=Max("latitude"), min_lon=Min("longitude"), max_lon=Max("longitude"))
    }
    village_ids = {a.village_id for a in rows if a.village_id}
    # A rejected visit is not a visit of the village any more: the duplicate advice ("keep one, reject
    # the others") is followed by rejecting, and must then stop firing on the one kept.
    same_round = Counter(
        am.VillageAssessment.objects.filter(village_id__in=village_ids, round__in={a.round_id for a in rows})
        .exclude(review_state=am.ReviewState.REJECTED)
        .values_list("round_id", "village_id")
    )
    previous = _previous_round_totals(rows, village_ids)
    populations = _population_facts(ids)
    departures: dict[int, dict[int, int]] = {}
    for assessment_id, year, households in am.HouseholdDeparture.objects.filter(assessment_id__in=ids).values_list(
        "assessment_id", "year", "households"
    ):
        departures.setdefault(assessment_id, {})[year] = households
    assigned = _assigned_paths(rows)
    facts = {}
    for a in rows:
        box = bounds.get(a.district_id)
        facts[a.pk] = AssessmentFacts(
            village_name=str(a.village_name_en if a.village_id else a.village_name_typed),
            households=a.households,
            informants=informant_counts.get(a.pk, 0),
            populations=populations.get(a.pk, {}),
            gps=_point(a.latitude, a.longitude),
            village_location=_point(a.village_latitude, a.village_longitude) if a.village_id else None,
            district_bounds=BoundingBox(
                float(box["min_lat"]), float(box["min_lon"]), float(box["max_lat"]), float(box["max_lon"])
            )
            if box
            else None,
            started_at=a.started_at,
            ended_at=a.ended_at,
            previous_totals=previous.get(a.pk),
            other_assessments_in_round=max(0, same_round[(a.round_id, a.village_id)] - 1)
            if a.village_id and a.review_state != am.ReviewState.REJECTED
            else 0,
            district_outside_assignment=_outside_assignment(a, assigned),
            round_number=a.round_number,
            round_answered=a.round_answered,
            housing=HousingFacts(
                departures=departures.get(a.pk, {}),
                houses_empty=a.houses_empty,
                houses_looked_after=a.houses_looked_after,
            ),
        )
    return facts


def _assigned_paths(rows) -> dict[tuple[int, int], list[str]]:
    """(round, user) -> materialised paths of the areas the user is assigned to in that round."""
    from bma.rounds.models import Assignment

    paths: dict[tuple[int, int], list[str]] = {}
    for round_id, user_id, path in Assignment.objects.filter(
        round_id__in={a.round_id for a in rows}, user_id__in={a.enumerator_id for a in rows if a.enumerator_id}
    ).values_list("round_id", "user_id", "area__path"):
        paths.setdefault((round_id, user_id), []).append(path)
    return paths


def _outside_assignment(a, assigned) -> str:
    # A user with no assignment in the round (a coordinator, say) collects everywhere: nothing to flag.
    paths = assigned.get((a.round_id, a.enumerator_id))
    if not paths or a.district_id is None:
        return ""
    return "" if path_within(a.district_path, paths) else a.district_code


def _previous_round_totals(rows, village_ids) -> dict[int, dict[str, int]]:
    """Totals of the same village's current assessment in the round before, by population."""
    from bma.rounds.models import Round

    numbers = {a.round_number for a in rows}
    earlier = {r.number: r.pk for r in Round.objects.filter(number__lt=max(numbers, default=0))}
    previous_round = {n: earlier.get(max((m for m in earlier if m < n), default=-1)) for n in numbers}
    wanted_rounds = {pk for pk in previous_round.values() if pk}
    if not wanted_rounds:
        return {}
    totals: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for round_id, village_id, population, total in am.PopulationFigure.objects.filter(
        assessment__round_id__in=wanted_rounds, assessment__village_id__in=village_ids, assessment__is_current=True
    ).values_list("assessment__round_id", "assessment__village_id", "population", "total"):
        totals[(round_id, village_id)][population] = total or 0
    return {
        a.pk: totals[(previous_round[a.round_number], a.village_id)]
        for a in rows
        if previous_round.get(a.round_number) and (previous_round[a.round_number], a.village_id) in totals
    }


def district_facts(assessment: am.DistrictAssessment) -> DistrictFacts:
    """The B1 estimates against the sum of the district's current B2 totals in the round (one query)."""
    b1 = {e.population: e.total for e in assessment.estimates.all() if e.total is not None}
    b2 = dict(
        am.PopulationFigure.objects.filter(
            assessment__round=assessment.round, assessment__district=assessment.district, assessment__is_current=True
        )
        .values("population")
        .annotate(summed=Sum("total"))
        .values_list("population", "summed")
    )
    return DistrictFacts(
        # Explicitly English: the message is stored (and exported) in English whoever runs the rules;
        # str() would follow the active language (see bma/geo/names.py).
        district_name=f"{assessment.district.name_en} ({assessment.district.code})",
        b1_estimates=b1,
        b2_totals={k: v or 0 for k, v in b2.items()},
        round_number=assessment.round.number,
        round_answered=assessment.round_answered,
    )


# --- Issues -----------------------------------------------------------------------------------------


def _sync_issues(owner_field: str, results: list[tuple[object, list[Finding]]]) -> None:
    """Make the stored issues of these assessments match their findings, in three queries.

    A finding that is still there keeps its row (and any decision on it); an open issue whose
    finding went away is removed; new findings are added.
    """
    if not results:
        return
    owners = {a.pk: a for a, _ in results}
    existing: dict[tuple, tuple[int, str]] = {
        (owner, code, population): (pk, state)
        for pk, owner, code, population, state in QualityIssue.objects.filter(
            **{f"{owner_field}_id__in": list(owners)}
        ).values_list("pk", f"{owner_field}_id", "code", "population", "state")
    }
    wanted = {(a.pk, f.code, f.population): (a, f) for a, findings in results for f in findings}
    stale = [pk for key, (pk, state) in existing.items() if key not in wanted and state == IssueState.OPEN]
    if stale:
        QualityIssue.objects.filter(pk__in=stale).delete()
    rows_insert(
        QualityIssue,
        [
            f"{owner_field}_id",
            "round_id",
            "district_id",
            "code",
            "severity",
            "population",
            "message",
            "text_parts",
            "details",
        ],
        (
            (a.pk, a.round_id, a.district_id, f.code, f.severity, f.population, f.message, list(f.text), f.details)
            for key, (a, f) in wanted.items()
            if key not in existing
        ),
    )


def quality_check(assessments: list) -> int:
    """Run the rules on stored assessments (B2: village rules; B1: district rules). Returns findings."""
    villages = {a.pk: a for a in assessments if isinstance(a, am.VillageAssessment)}
    thresholds_by_round: dict[int, Thresholds] = {}
    village_results = []
    for pk, facts in village_facts(list(villages.values())).items():
        a = villages[pk]
        if a.round_id not in thresholds_by_round:  # once per round and batch, not per assessment
            thresholds_by_round[a.round_id] = round_thresholds(a.round_id)
        village_results.append((a, run_assessment_rules(facts, thresholds_by_round[a.round_id])))
    _sync_issues("village_assessment", village_results)
    district_results = [
        (a, run_district_rules(district_facts(a), round_thresholds(a.round_id)))
        for a in assessments
        if isinstance(a, am.DistrictAssessment)
    ]
    _sync_issues("district_assessment", district_results)
    return sum(len(findings) for _, findings in village_results + district_results)


def quality_check_stored(assessments: list) -> int:
    """The rules on just-stored assessments, and again on the other visits of their villages in the
    round: a second visit makes the first one a duplicate too, so the advice stands on both."""
    found = quality_check(assessments)
    stored = {a.pk for a in assessments if isinstance(a, am.VillageAssessment)}
    pairs = {(a.round_id, a.village_id) for a in assessments if isinstance(a, am.VillageAssessment) and a.village_id}
    if pairs:
        others = am.VillageAssessment.objects.filter(
            round_id__in={r for r, _ in pairs}, village_id__in={v for _, v in pairs}
        ).exclude(pk__in=stored)
        found += quality_check([a for a in others.order_by("pk") if (a.round_id, a.village_id) in pairs])
    return found


@transaction.atomic
def villages_quality_recheck(pairs) -> int:
    """Run the rules again on every visit of these (round id, village id) villages: a review decision
    that rejects a visit, or takes a rejection back, changes which visits the duplicate-visit rule sees
    (assessments' review service asks for this by the task's name, after its commit)."""
    pairs = {(r, v) for r, v in pairs if v is not None}
    if not pairs:
        return 0
    visits = am.VillageAssessment.objects.filter(
        round_id__in={r for r, _ in pairs}, village_id__in={v for _, v in pairs}
    ).order_by("pk")
    visits = [a for a in visits if (a.round_id, a.village_id) in pairs]
    # The districts' locks, as processing takes them around the same rules: a worker storing a visit
    # to the village and this re-check queue instead of both inserting the village's issues.
    lock_districts(am.VillageAssessment.objects.filter(pk__in=[a.pk for a in visits]))
    return quality_check(visits)


def quality_check_round(round) -> int:
    found = 0
    current = am.VillageAssessment.objects.filter(round=round).order_by("pk")
    ids = list(current.values_list("pk", flat=True))
    for start in range(0, len(ids), 500):
        found += quality_check(list(am.VillageAssessment.objects.filter(pk__in=ids[start : start + 500])))
    found += quality_check(list(am.DistrictAssessment.objects.filter(round=round)))
    return found


def _decide(issue: QualityIssue, state: str, user, note: str) -> QualityIssue:
    note = (note or "").strip()
    if not note:
        raise BmaError(codes.INVALID_INPUT, gettext_lazy("Say why: a note is required to resolve or waive an issue."))
    if issue.state != IssueState.OPEN:
        # A sentence for each state: Russian and Tajik agree the state's word with "issue".
        raise BmaError(codes.INVALID_INPUT, ALREADY_DECIDED[issue.state])
    issue.state, issue.decided_by, issue.decided_at, issue.decision_note = state, user, timezone.now(), note
    issue.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "updated_at"])
    return issue


def issue_resolve(issue: QualityIssue, user, note: str) -> QualityIssue:
    return _decide(issue, IssueState.RESOLVED, user, note)


def issue_waive(issue: QualityIssue, user, note: str) -> QualityIssue:
    return _decide(issue, IssueState.WAIVED, user, note)


ISSUE_DECISIONS = {"resolve": IssueState.RESOLVED, "waive": IssueState.WAIVED}
ALREADY_DECIDED = {
    IssueState.RESOLVED: gettext_lazy("This issue is already resolved."),
    IssueState.WAIVED: gettext_lazy("This issue is already waived."),
}
DEFAULT_DECISION_NOTES = {
    IssueState.RESOLVED: gettext_lazy("Resolved on the assessment page (no note given)."),
    IssueState.WAIVED: gettext_lazy("Waived on the assessment page (no note given)."),
}


def issue_decide(issue: QualityIssue, decision: str, user, note: str = "") -> QualityIssue:
    """Resolve or waive an issue in one click, from the assessment page.

    The note is optional there (the supervisor has the whole assessment in front of them); the record
    still says who decided and when, and that no note was given, since a decided issue keeps a note."""
    state = ISSUE_DECISIONS.get(decision)
    if state is None:
        raise BmaError(codes.INVALID_INPUT, gettext("Choose to resolve or to waive the issue."))
    return _decide(issue, state, user, (note or "").strip() or str(DEFAULT_DECISION_NOTES[state]))
