"""Which visit of a village counts: never a rejected one; a supervisor's choice; else the newest received."""

import pytest
from django.urls import reverse

from bma.assessments import models as m
from bma.assessments.review import assessment_decide
from tests import factories

pytestmark = pytest.mark.django_db
LIST = "admin:assessments_villageassessment_changelist"
OSHOBA_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"
TYPED = "<village>other</village><village_other>%s</village_other>"


def counting(village_code="V-ASH-0001") -> list[str]:
    """The visits of the village that count (the report, the dataset and sampling read this)."""
    return list(
        m.VillageAssessment.objects.filter(village__code=village_code, is_current=True).values_list(
            "root_instance_id", flat=True
        )
    )


def visit(pk_or_root) -> m.VillageAssessment:
    return m.VillageAssessment.objects.get(root_instance_id=pk_or_root)


@pytest.fixture
def two_visits(receive):
    """Oshoba visited twice in the round: the first visit, then a second one received later."""
    receive("b2_2026112202.xml")
    receive("b2_2026112202.xml", {OSHOBA_ID: "uuid:second", "2026-11-22</visit_date>": "2026-11-23</visit_date>"})
    return visit(OSHOBA_ID), visit("uuid:second")


def test_rejecting_the_newer_visit_makes_the_older_one_count(two_visits, personas):
    older, newer = two_visits
    assert counting() == ["uuid:second"]
    assessment_decide(older, "approve", personas.supervisor)
    # The duplicate-visit advice: keep one, reject the others.
    assessment_decide(newer, "reject", personas.supervisor, "Visited twice; the first visit is the one")
    assert counting() == [OSHOBA_ID]
    counted = m.VillageAssessment.objects.filter(is_current=True, review_state=m.ReviewState.APPROVED)
    assert list(counted.values_list("root_instance_id", flat=True)) == [OSHOBA_ID]
    # Approving the newer one again brings it back: the newest visit not rejected counts.
    assessment_decide(newer, "approve", personas.supervisor)
    assert counting() == ["uuid:second"]


def test_when_every_visit_is_rejected_none_counts(two_visits, personas):
    for a in two_visits:
        assessment_decide(a, "reject", personas.supervisor, "Not this village")
    assert counting() == []


def test_a_bulk_rejection_from_the_list_settles_the_village_too(client, two_visits, personas):
    older, newer = two_visits
    client.force_login(personas.supervisor)
    client.post(reverse(LIST), {"action": "reject", "_selected_action": [newer.pk], "comment": "Duplicate"})
    assert counting() == [OSHOBA_ID]


def test_a_device_date_years_ahead_does_not_pin_a_stale_visit(receive):
    # The first visit's tablet said 2036 (a typo); the visit received after it is the village's answer.
    receive("b2_2026112202.xml", {"2026-11-22</visit_date>": "2036-11-22</visit_date>"})
    receive("b2_2026112202.xml", {OSHOBA_ID: "uuid:second"})
    assert counting() == ["uuid:second"]


def test_a_supervisor_chooses_the_visit_that_counts_on_the_assessment_page(client, receive, two_visits, personas):
    older, newer = two_visits
    client.force_login(personas.supervisor)
    page = client.get(reverse("admin:assessments_villageassessment_change", args=[older.pk])).content.decode()
    assert 'id="decide-count"' in page and "Another visit of this village counts" in page
    response = client.post(
        reverse("admin:assessments_villageassessment_review", args=[older.pk]), {"decision": "count"}
    )
    assert response.status_code == 302
    assert counting() == [OSHOBA_ID]
    older.refresh_from_db()
    assert older.counted_by == personas.supervisor and older.counted_at is not None
    page = client.get(reverse("admin:assessments_villageassessment_change", args=[older.pk])).content.decode()
    assert "This visit counts for its village" in page and 'id="decide-count"' not in page
    # A third visit arriving later does not undo the choice.
    receive("b2_2026112202.xml", {OSHOBA_ID: "uuid:third"})
    assert counting() == [OSHOBA_ID]
    # Choosing another visit moves the choice; rejecting the chosen one ends it.
    assessment_decide(newer, "count", personas.supervisor)
    assert counting() == ["uuid:second"] and visit(OSHOBA_ID).counted_at is None
    assessment_decide(newer, "reject", personas.supervisor, "Wrong village after all")
    assert counting() == ["uuid:third"] and visit("uuid:second").counted_by is None


def test_a_rejected_visit_cannot_be_chosen(two_visits, personas):
    from bma.core.errors import BmaError

    older, _newer = two_visits
    assessment_decide(older, "reject", personas.supervisor, "Duplicate")
    with pytest.raises(BmaError, match="rejected visit cannot count"):
        assessment_decide(older, "count", personas.supervisor)
    assert counting() == ["uuid:second"]


def test_only_a_supervisor_of_the_area_may_choose(client, two_visits, personas):
    older, _newer = two_visits
    outsider = factories.make_user("khatlon-sup", "supervisor")
    factories.assign(outsider, personas.geo.khatlon, personas.round, "supervisor")
    client.force_login(outsider)
    response = client.post(
        reverse("admin:assessments_villageassessment_review", args=[older.pk]), {"decision": "count"}
    )
    assert response.status_code in (302, 403, 404)
    assert counting() == ["uuid:second"]
    assert visit(OSHOBA_ID).counted_at is None


def test_a_typed_in_village_linked_on_arrival_is_weighed_against_the_villages_visits(receive, personas, two_visits):
    _older, newer = two_visits
    assessment_decide(newer, "reject", personas.supervisor, "Duplicate")
    # A third visit, received last, names the village by typing "Oshoba": the matcher links it.
    receive("b2_2026112202.xml", {OSHOBA_ID: "uuid:typed", "<village>V-ASH-0001</village>": TYPED % "Oshoba"})
    assert visit("uuid:typed").village.code == "V-ASH-0001"
    assert counting() == ["uuid:typed"]
