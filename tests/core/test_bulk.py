"""rows_insert: leaf rows stored as save() would store them, on SQLite and on PostgreSQL (COPY)."""

import pytest

from bma.core.bulk import instances_insert, rows_insert
from bma.validation.models import IssueState, QualityIssue

pytestmark = pytest.mark.django_db


def test_named_values_defaults_timestamps_and_json_are_stored(two_villages):
    from bma.assessments.models import VillageAssessment

    assessment = VillageAssessment.objects.order_by("pk").first()
    QualityIssue.objects.all().delete()
    inserted = rows_insert(
        QualityIssue,
        ["village_assessment_id", "round_id", "code", "severity", "message", "details"],
        [
            (assessment.pk, assessment.round_id, "test.one", "warning", "Шайдон: 'quoted'\tand\\tabbed", {"n": 1}),
            (assessment.pk, assessment.round_id, "test.two", "info", "second", {"list": [1, "два"]}),
        ],
    )
    assert inserted == 2
    one, two = QualityIssue.objects.order_by("code")
    assert (one.message, one.details, two.details) == ("Шайдон: 'quoted'\tand\\tabbed", {"n": 1}, {"list": [1, "два"]})
    assert (one.state, one.decision_note, one.population, one.district_id) == (IssueState.OPEN, "", "", None)
    assert one.created_at is not None and one.updated_at is not None


def test_no_rows_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert rows_insert(QualityIssue, ["code"], []) == 0


def test_instances_insert_gives_ids_children_can_use_and_stores_what_save_would(two_villages):
    # Processing stores visits, informants and population figures this way (issue 34): ids drawn from
    # the sequence and COPY on PostgreSQL, bulk_create elsewhere; the rows must read back the same.
    from bma.assessments.models import Informant, InformantContact, VillageAssessment

    assessment = VillageAssessment.objects.order_by("pk").first()
    before = set(Informant.objects.values_list("pk", flat=True))
    made = instances_insert(
        [
            Informant(village_assessment=assessment, position=7, sex="female", informant_type="teacher"),
            Informant(
                village_assessment=assessment,
                position=8,
                sex="male",
                informant_type="other",
                informant_type_other="Шайдон\tимом",
            ),
        ]
    )
    assert all(i.pk is not None and i.pk not in before and not i._state.adding for i in made)
    InformantContact.objects.create(informant=made[1], phone="+992 92 555 1234")  # a child refers to it
    stored = {i.pk: i for i in Informant.objects.filter(pk__in=[i.pk for i in made])}
    assert [(stored[i.pk].position, stored[i.pk].informant_type_other) for i in made] == [(7, ""), (8, "Шайдон\tимом")]
    assert stored[made[1].pk].contact.phone == "+992 92 555 1234"
    # The next row saved the ordinary way takes an id after them, never one of theirs.
    later = Informant.objects.create(village_assessment=assessment, position=9, sex="male", informant_type="teacher")
    assert later.pk > max(i.pk for i in made)


def test_instances_insert_stamps_created_and_updated_as_bulk_create(two_villages):
    from bma.assessments.models import VillageAssessment

    assessment = VillageAssessment.objects.order_by("pk").first()
    (issue,) = instances_insert(
        [
            QualityIssue(
                village_assessment=assessment, round_id=assessment.round_id, code="t", severity="info", message="m"
            )
        ]
    )
    stored = QualityIssue.objects.get(pk=issue.pk)
    assert stored.created_at == issue.created_at and stored.updated_at == issue.updated_at is not None
    assert (stored.state, stored.details) == (IssueState.OPEN, {})


def test_instances_insert_of_nothing_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert instances_insert([]) == []
