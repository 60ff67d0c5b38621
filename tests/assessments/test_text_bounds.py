"""A text answer longer than the column it is stored in fails the submission with a message naming the
field and the lengths (never the answer: it may be an informant's name or phone), before anything is
stored; the limits are the models' own max_length."""

import dataclasses

import pytest
from django.db import models

from bma.assessments import mappers
from bma.assessments import models as m
from bma.assessments.text_bounds import column_field
from bma.submissions.models import ProcessingState

pytestmark = pytest.mark.django_db

B2 = "b2_2026112202.xml"
FIRST_KI = "<ki_name/><ki_phone>+992 92 555 1234</ki_phone>"
NAME = "Gulnora " + "Rahimova" * 48  # 392 characters
PHONE = "+992 " + "9" * 60  # 65 characters


@pytest.mark.parametrize(
    ("contact", "message", "secret"),
    [
        (
            f"<ki_name>{NAME}</ki_name><ki_phone>+992 92 555 1234</ki_phone>",
            "informants 1, name: the answer is 392 characters long; the informant contact's name holds at most 200",
            NAME,
        ),
        (
            f"<ki_name/><ki_phone>{PHONE}</ki_phone>",
            "informants 1, phone: the answer is 65 characters long; the informant contact's phone holds at most 32",
            PHONE,
        ),
    ],
    ids=["name", "phone"],
)
def test_an_informants_name_or_phone_too_long_fails_naming_the_field_not_the_value(receive, contact, message, secret):
    submission = receive(B2, {FIRST_KI: contact})
    assert submission.state == ProcessingState.FAILED
    assert message in submission.last_error
    assert "unexpected error" not in submission.last_error
    assert secret not in submission.last_error and secret[:20] not in submission.last_error
    assert secret in submission.payload_bytes.decode()  # the submission is kept as received
    assert not m.VillageAssessment.objects.exists()


def test_an_edit_with_an_answer_too_long_leaves_the_stored_assessment_as_it_was(receive):
    first = receive(B2)
    assert first.state == ProcessingState.PROCESSED
    edit = receive(
        B2,
        {
            "<ref_village_other>Yangiobod</ref_village_other>": f"<ref_village_other>{'Y' * 201}</ref_village_other>",
            "<instanceID>uuid:342071ed-911c-4e50-9659-3f73b09c383c</instanceID>": (
                "<instanceID>uuid:edit-1</instanceID><deprecatedID>uuid:342071ed-911c-4e50-9659-3f73b09c383c"
                "</deprecatedID>"
            ),
        },
    )
    assert edit.state == ProcessingState.FAILED
    assert "referrals 1, name_typed: the answer is 201 characters long" in edit.last_error
    assessment = m.VillageAssessment.objects.get()
    assert assessment.submission_id == first.pk
    assert list(assessment.referrals.values_list("name_typed", flat=True)) == ["Yangiobod"]


def test_a_choice_answer_too_long_for_its_column_fails_too(receive):
    submission = receive(B2, {"<ki_sex>female</ki_sex>": "<ki_sex>female_or_something_else</ki_sex>"})
    assert submission.state == ProcessingState.FAILED
    assert "informants 1, sex: the answer is 24 characters long; the informant's sex holds at most 8" in (
        submission.last_error
    )


# Columns the server fills itself (keys, states, code-list constants), never from an answer.
SERVER_SET = {
    "VillageAssessment.root_instance_id",
    "VillageAssessment.form_version",
    "VillageAssessment.review_state",
    "DistrictAssessment.root_instance_id",
    "DistrictAssessment.form_version",
    "DistrictAssessment.review_state",
    "SpotCheckVisit.root_instance_id",
    "SpotCheckVisit.form_version",
    "SpotCheckVisit.review_state",
    "PopulationFigure.population",
    "YearlyFigure.population",
    "CountryFigure.population",
    "PopulationReason.population",
    "DistrictEstimate.population",
    "SpotCheckFigure.population",
    "ServiceAccess.service",
    "SpotCheckService.service",
    "ReviewEvent.from_state",
    "ReviewEvent.to_state",
    "ContactPurge.job",
}


def test_every_text_column_of_the_assessments_is_bounded_or_set_by_the_server():
    """A text column added to a model must be named by the value that fills it (or listed as the server's)."""
    named = {
        f.metadata["column"]
        for value in vars(mappers).values()
        if dataclasses.is_dataclass(value) and isinstance(value, type)
        for f in dataclasses.fields(value)
        if "column" in f.metadata
    }
    for target in named:
        assert isinstance(column_field(target), models.CharField), target
    char_fields = {
        f"{model.__name__}.{f.name}"
        for model in (getattr(m, name) for name in dir(m))
        if isinstance(model, type)
        and issubclass(model, models.Model)
        and not model._meta.abstract
        and model._meta.app_label == "assessments"
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField)
    }
    assert char_fields - SERVER_SET == named
