"""rows_insert: leaf rows stored as save() would store them, on SQLite and on PostgreSQL (COPY)."""

import pytest

from bma.core.bulk import rows_insert
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
