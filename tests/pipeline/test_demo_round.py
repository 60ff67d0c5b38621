"""The demo round goes through the real intake and gives the report and the review desk something to show."""

import pytest
from django.core.management import call_command

from bma.assessments.models import HouseholdDeparture, ReviewState, VillageAssessment
from bma.exports.models import ReferenceFigure
from bma.exports.report import round_figures
from bma.pipeline.demo import SPOT_CHECK_VISITS
from bma.referrals.models import MatchOutcome, MatchState, ReferralMatch
from bma.submissions.models import Submission, SubmissionSource
from bma.validation.models import CheckOutcome, IssueState, QualityIssue, SpotCheckAssignment

pytestmark = pytest.mark.django_db

# The faults the demo plants on purpose (demo.FAULTS); any other open issue is a rule crying wolf.
PLANTED = {
    "too_few_informants",
    "year_exceeds_total",
    "gps_far_from_village",
    "gps_outside_district",
    "impossible_housing",
}


def test_demo_round_fills_a_round_through_openrosa(
    roles, open_round, published_forms, tasks_in_process, django_capture_on_commit_callbacks
):
    call_command("load_gazetteer")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_round", "--communities", "160", "--seed", "7")
    villages = VillageAssessment.objects.count()
    b2s = Submission.objects.filter(source=SubmissionSource.OPENROSA, form__xml_form_id="bma_b2")
    assert b2s.count() == villages >= 150
    assert set(VillageAssessment.objects.values_list("form_version", flat=True)) == {"20261208002"}
    first, last = open_round.reference_years[0], open_round.reference_years[-1]

    open_issues = QualityIssue.objects.filter(state=IssueState.OPEN)
    assert open_issues.count() / villages < 0.3
    assert set(open_issues.values_list("code", flat=True)) <= PLANTED
    # Most clean assessments are approved; those with open issues and a few clean ones wait on the desk.
    waiting = VillageAssessment.objects.exclude(review_state=ReviewState.APPROVED)
    with_issues = set(open_issues.values_list("village_assessment", flat=True))
    assert with_issues < set(waiting.values_list("pk", flat=True))
    assert waiting.filter(review_state=ReviewState.RECEIVED).exclude(pk__in=with_issues).exists()
    assert waiting.filter(review_state=ReviewState.RECEIVED, pk__in=with_issues).exists()
    # Referrals: some unclear (two villages share the name) wait for a supervisor; new names join the plan.
    assert ReferralMatch.objects.filter(state=MatchState.PENDING, outcome=MatchOutcome.AMBIGUOUS).exists()
    assert ReferralMatch.objects.filter(outcome=MatchOutcome.NEW).exists()
    # A spot-check sample is drawn and a few visits are in, compared with the assessments.
    assignments = SpotCheckAssignment.objects.filter(sample__round=open_round)
    assert assignments.count() > SPOT_CHECK_VISITS
    visited = assignments.exclude(visit=None)
    assert visited.count() == SPOT_CHECK_VISITS
    assert not visited.filter(outcome=CheckOutcome.PENDING).exists()

    figures = round_figures(open_round)
    assert figures["communities"] == VillageAssessment.objects.filter(review_state=ReviewState.APPROVED).count()
    assert len(figures["districts"]) == 13
    ret = next(p for p in figures["populations"] if p["code"] == "ret")
    assert ret["total"] > 0 and ret["top_countries"][0]["code"] == "RU"

    # Asht looks like the news piece: families leaving, more each year; houses empty, mostly looked after.
    asht = VillageAssessment.objects.filter(district__code="TJ-SU-ASH", review_state=ReviewState.APPROVED)
    by_year = {
        year: sum(
            HouseholdDeparture.objects.filter(assessment__in=asht, year=year).values_list("households", flat=True)
        )
        for year in (first, last)
    }
    assert by_year[last] > by_year[first] > 0
    empty = sum(a.houses_empty for a in asht)
    assert sum(a.houses_looked_after or 0 for a in asht) > 0.6 * empty > 0
    assert ReferenceFigure.objects.filter(area__code="TJ-SU-ASH", value=24_000).exists()

    # Running it again adds nothing: the same seed gives the same instance IDs.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_round", "--communities", "160", "--seed", "7")
    assert VillageAssessment.objects.count() == villages
