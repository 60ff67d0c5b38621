"""The demo round goes through the real intake and gives the report something to show."""

import pytest
from django.core.management import call_command

from bma.assessments.models import ReviewState, VillageAssessment
from bma.exports.report import round_figures
from bma.submissions.models import Submission, SubmissionSource

pytestmark = pytest.mark.django_db


def test_demo_round_fills_a_round_through_openrosa(
    roles, open_round, published_forms, tasks_in_process, django_capture_on_commit_callbacks
):
    call_command("load_gazetteer")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_round", "--communities", "24", "--seed", "7")
    assert (
        Submission.objects.filter(source=SubmissionSource.OPENROSA).count() == VillageAssessment.objects.count() >= 12
    )
    assert not VillageAssessment.objects.exclude(review_state=ReviewState.APPROVED).exists()
    figures = round_figures(open_round)
    assert figures["communities"] == VillageAssessment.objects.count()
    assert len(figures["districts"]) == 12
    ret = next(p for p in figures["populations"] if p["code"] == "ret")
    assert ret["total"] > 0 and ret["top_countries"][0]["code"] == "RU"
    # Running it again adds nothing: the same seed gives the same instance IDs.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo_round", "--communities", "24", "--seed", "7")
    assert VillageAssessment.objects.count() == figures["communities"]
