"""The duplicate-visit issue follows the supervisor's decision: a rejected visit is no visit of the village."""

import pytest
from django.urls import reverse

from bma.assessments import models as am
from bma.assessments.review import assessment_decide, assessments_review_many
from bma.validation.models import IssueState, QualityIssue

pytestmark = pytest.mark.django_db
OSHOBA_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"
TWICE = "assessed_twice_in_round"


def open_twice(root: str) -> bool:
    return QualityIssue.objects.filter(
        village_assessment__root_instance_id=root, code=TWICE, state=IssueState.OPEN
    ).exists()


@pytest.fixture
def two_visits(receive):
    """Oshoba visited twice in the round; processing raised the duplicate issue on both visits."""
    receive("b2_2026112202.xml")
    receive("b2_2026112202.xml", {OSHOBA_ID: "uuid:second"})
    assert open_twice(OSHOBA_ID) and open_twice("uuid:second")
    return am.VillageAssessment.objects.get(root_instance_id=OSHOBA_ID), am.VillageAssessment.objects.get(
        root_instance_id="uuid:second"
    )


def test_rejecting_the_newer_visit_closes_the_issue_on_the_one_kept(
    two_visits, personas, django_capture_on_commit_callbacks, tasks_in_process
):
    older, newer = two_visits
    with django_capture_on_commit_callbacks(execute=True):
        assessment_decide(newer, "reject", personas.supervisor, "Visited twice; the first visit is the one")
    assert not open_twice(OSHOBA_ID)
    # The rejected visit is decided: nothing left to keep or reject there either.
    assert not open_twice("uuid:second")
    # Taking the rejection back makes the village visited twice again.
    with django_capture_on_commit_callbacks(execute=True):
        assessment_decide(newer, "approve", personas.supervisor)
    assert open_twice(OSHOBA_ID) and open_twice("uuid:second")


def test_a_bulk_rejection_closes_it_too(two_visits, personas, django_capture_on_commit_callbacks, tasks_in_process):
    older, newer = two_visits
    with django_capture_on_commit_callbacks(execute=True):
        assessments_review_many(
            am.VillageAssessment.objects.filter(pk=newer.pk), am.ReviewState.REJECTED, personas.supervisor, "Duplicate"
        )
    assert not open_twice(OSHOBA_ID) and not open_twice("uuid:second")


def test_a_bulk_rejection_from_the_list_closes_it(
    client, two_visits, personas, django_capture_on_commit_callbacks, tasks_in_process
):
    older, newer = two_visits
    client.force_login(personas.supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:assessments_villageassessment_changelist"),
            {"action": "reject", "_selected_action": [newer.pk], "comment": "Duplicate"},
        )
    assert am.VillageAssessment.objects.get(pk=newer.pk).review_state == am.ReviewState.REJECTED
    assert not open_twice(OSHOBA_ID)


def test_approving_a_visit_leaves_the_issue_open(
    two_visits, personas, django_capture_on_commit_callbacks, tasks_in_process
):
    older, _newer = two_visits
    with django_capture_on_commit_callbacks(execute=True):
        assessment_decide(older, "approve", personas.supervisor)
    assert open_twice(OSHOBA_ID) and open_twice("uuid:second")


def test_a_typed_in_visit_linked_to_the_village_makes_it_visited_twice(receive):
    receive("b2_2026112202.xml")
    # A second visit names the village by typing "Oshoba": the matcher links it to the village.
    receive(
        "b2_2026112202.xml",
        {
            OSHOBA_ID: "uuid:typed",
            "<village>V-ASH-0001</village>": "<village>other</village><village_other>Oshoba</village_other>",
        },
    )
    assert am.VillageAssessment.objects.get(root_instance_id="uuid:typed").village.code == "V-ASH-0001"
    assert open_twice(OSHOBA_ID) and open_twice("uuid:typed")
