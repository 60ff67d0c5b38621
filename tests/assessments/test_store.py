"""From stored submission to typed assessment through the pipeline: exact, idempotent, edit-aware."""

from pathlib import Path

import pytest
from django.core.management import call_command

from bma.assessments import models as m
from bma.pipeline.services import submission_process
from bma.submissions.models import ProcessingState, Submission

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


def snapshot(assessment):
    return (
        sorted(assessment.populations.values_list("population", "present", "total", "migration_type")),
        sorted(
            m.CountryFigure.objects.filter(figure__assessment=assessment).values_list(
                "figure__population", "country", "count"
            )
        ),
        sorted(
            m.YearlyFigure.objects.filter(figure__assessment=assessment).values_list(
                "figure__population", "year", "count"
            )
        ),
        sorted(
            m.PopulationReason.objects.filter(figure__assessment=assessment).values_list("figure__population", "reason")
        ),
        sorted(assessment.services.values_list("service", "available", "distance_band", "households_affected")),
        list(
            assessment.referrals.values_list("district_code", "village_code", "name_typed", "populations", "estimate")
        ),
        list(assessment.informants.values_list("position", "sex", "informant_type", "informant_type_other")),
    )


def test_b2_becomes_a_village_assessment_with_every_figure(receive, personas):
    submission = receive("b2_2026112202.xml")
    assert submission.state == ProcessingState.PROCESSED, submission.last_error
    assessment = m.VillageAssessment.objects.get()
    assert assessment.submission == submission and assessment.village.code == "V-ASH-0001"
    assert (assessment.district.code, assessment.province.code, assessment.households) == ("TJ-SU-ASH", "TJ-SU", 420)
    assert assessment.enumerator == personas.enumerator and assessment.round == personas.round
    populations, countries, yearly, reasons, services, referrals, informants = snapshot(assessment)
    assert ("imw", True, 12, "long_term") in populations and ("emi", False, None, "") in populations
    assert countries == [("imw", "AF", 9), ("imw", "CN", 3), ("ret", "RU", 140)]
    assert yearly == [("imw", 2022, 8), ("imw", 2023, 12)]
    assert ("ret", "deportation") in reasons
    assert ("hospital", False, "11_15", 420) in services
    assert referrals == [("TJ-KT-PAN", "", "Yangiobod", ["ret"], 50)]
    assert informants[1] == (2, "male", "other", "Imam of the mosque")
    # Personal data sits in its own table.
    assert m.InformantContact.objects.get().phone == "+992 92 555 1234"
    assert m.AreaFlow.objects.get().area.code == "TJ-SU-KHU"


def test_reprocessing_twice_gives_the_same_rows(receive):
    submission = receive("b2_2026112202.xml")
    first = snapshot(m.VillageAssessment.objects.get())
    for _ in range(2):
        Submission.objects.filter(pk=submission.pk).update(state=ProcessingState.RECEIVED)
        assert submission_process(submission.pk)
    assert m.VillageAssessment.objects.count() == 1
    assert snapshot(m.VillageAssessment.objects.get()) == first


def test_an_edit_replaces_the_typed_rows_and_marks_the_assessment_edited(receive):
    original = receive("b2_2026112202.xml")
    edit = receive(
        "b2_2026112202.xml",
        {
            "<households>420</households>": "<households>380</households>",
            "uuid:342071ed-911c-4e50-9659-3f73b09c383c</instanceID>": "uuid:edit-1</instanceID>"
            "<deprecatedID>uuid:342071ed-911c-4e50-9659-3f73b09c383c</deprecatedID>",
        },
    )
    assessment = m.VillageAssessment.objects.get()
    assert assessment.submission == edit and assessment.households == 380
    assert assessment.review_state == m.ReviewState.EDITED
    assert assessment.root_instance_id == original.instance_id
    # Reprocessing the old version later must not undo the edit.
    Submission.objects.filter(pk=original.pk).update(state=ProcessingState.RECEIVED)
    submission_process(original.pk)
    assert m.VillageAssessment.objects.get().households == 380


def test_b1_and_spot_check_are_stored(receive):
    receive("b1_2026112202.xml")
    receive("spot_check_2026112202.xml")
    b1 = m.DistrictAssessment.objects.get()
    assert dict(b1.estimates.values_list("population", "total"))["emi"] == 5000
    assert list(b1.nominations.values_list("flow", "village_code", "name_typed")) == [
        ("outflow", "V-ASH-0002", ""),
        ("inflow", "", "Yangiobod"),
    ]
    visit = m.SpotCheckVisit.objects.get()
    assert visit.village.code == "V-ASH-0001" and visit.figures.get(population="ret").count == 150


def test_second_assessment_of_a_village_in_a_round_becomes_current(receive):
    receive("b2_2026112202.xml")
    receive(
        "b2_2026112202.xml",
        {
            "uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:second-visit",
            "2026-11-22</visit_date>": "2026-11-23</visit_date>",
        },
    )
    current = m.VillageAssessment.objects.filter(is_current=True)
    assert current.count() == 1 and current.get().root_instance_id == "uuid:second-visit"
    assert m.VillageAssessment.objects.count() == 2


def test_an_edit_that_moves_a_visit_to_another_village_gives_the_first_village_its_older_visit_back(receive):
    receive("b2_2026112202.xml")
    receive(
        "b2_2026112202.xml",
        {
            "uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:second-visit",
            "2026-11-22</visit_date>": "2026-11-23</visit_date>",
        },
    )
    receive(
        "b2_2026112202.xml",
        {
            "<instanceID>uuid:342071ed-911c-4e50-9659-3f73b09c383c</instanceID>": "<deprecatedID>uuid:second-visit"
            "</deprecatedID><instanceID>uuid:moved</instanceID>",
            "2026-11-22</visit_date>": "2026-11-23</visit_date>",
            "<village>V-ASH-0001</village>": "<village>V-ASH-0002</village>",
        },
    )
    current = m.VillageAssessment.objects.filter(is_current=True).order_by("village__code")
    assert [(a.village.code, a.root_instance_id) for a in current] == [
        ("V-ASH-0001", "uuid:342071ed-911c-4e50-9659-3f73b09c383c"),
        ("V-ASH-0002", "uuid:second-visit"),
    ]


def test_unknown_district_fails_processing_clearly_and_keeps_the_raw_row(receive):
    submission = receive("b2_2026112202.xml", {"<district>TJ-SU-ASH</district>": "<district>TJ-SU-NOPE</district>"})
    assert submission.state == ProcessingState.FAILED and submission.attempts == 1
    assert "district code 'TJ-SU-NOPE' is not in the gazetteer" in submission.last_error
    assert not m.VillageAssessment.objects.exists()


def test_reprocess_command_replays_failed_rows_after_a_fix(receive, geo, django_capture_on_commit_callbacks):
    submission = receive("b2_2026112202.xml", {"<district>TJ-SU-ASH</district>": "<district>TJ-SU-NEW</district>"})
    assert submission.state == ProcessingState.FAILED
    from tests import factories

    factories.make_area("TJ-SU-NEW", "district", "New district", geo.sughd)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reprocess_submissions", "--form", "bma_b2", "--state", "failed")
    submission.refresh_from_db()
    assert submission.state == ProcessingState.PROCESSED


def test_a_row_whose_worker_died_mid_task_is_picked_up_again(receive):
    from django.utils import timezone

    from bma.pipeline.tasks import submissions_sweep

    submission = receive("b2_2026112202.xml")
    m.VillageAssessment.objects.all().delete()
    long_ago = timezone.now() - timezone.timedelta(hours=1)
    Submission.objects.filter(pk=submission.pk).update(state=ProcessingState.PROCESSING, claimed_at=long_ago)
    assert submissions_sweep() == [submission.pk]
    submission.refresh_from_db()
    assert submission.state == ProcessingState.PROCESSED and m.VillageAssessment.objects.count() == 1


# --- Out-of-range figures, from every path: a clear failure, never a different stored value ----------

OUT_OF_RANGE = "households: 4294967396 is out of range (allowed 0 to 100000)"


def _b2_with_households(value: str) -> bytes:
    return (
        (FIXTURES / "b2_2026112202.xml")
        .read_text(encoding="utf-8")
        .replace("<households>420</households>", f"<households>{value}</households>")
        .encode()
    )


def test_openrosa_submission_out_of_range_fails_clearly_and_keeps_the_raw(
    client, personas, published_forms, django_capture_on_commit_callbacks, tasks_in_process
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(personas.enumerator)
    payload = _b2_with_households("4294967396")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/collect/submission",
            {"xml_submission_file": SimpleUploadedFile("submission.xml", payload, content_type="text/xml")},
        )
    assert response.status_code == 201  # stored losslessly; processing is what refuses the figure
    submission = Submission.objects.get()
    assert submission.state == ProcessingState.FAILED and OUT_OF_RANGE in submission.last_error
    assert bytes(submission.payload) == payload
    assert not m.VillageAssessment.objects.exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [("-5", "households: -5 is out of range"), ("12.5", "households: '12.5' is not a whole number")],
)
def test_negative_or_fractional_figures_fail_rather_than_being_changed(receive, value, message):
    submission = receive("b2_2026112202.xml", {"<households>420</households>": f"<households>{value}</households>"})
    assert submission.state == ProcessingState.FAILED and message in submission.last_error
    assert not m.VillageAssessment.objects.exists()


def test_kobo_record_out_of_range_fails_clearly(
    client, personas, published_forms, django_capture_on_commit_callbacks, tasks_in_process
):
    import json

    from bma.submissions.models import KoboSource

    source = KoboSource.objects.create(
        name="Kobo B2", form=published_forms["bma_b2"].form, submitted_as=personas.enumerator
    )
    record = {
        "_id": 9,
        "_uuid": "k-1",
        "__version__": "2026112202",
        "round": "2",
        "province": "TJ-SU",
        "district": "TJ-SU-ASH",
        "village": "V-ASH-0001",
        "households": 99999999999,
        "meta/instanceID": "uuid:k-1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/kobo/{source.token}/", json.dumps(record), content_type="application/json")
    assert response.status_code == 201
    submission = Submission.objects.get()
    assert submission.state == ProcessingState.FAILED
    assert "households: 99999999999 is out of range (allowed 0 to 100000)" in submission.last_error
    assert not m.VillageAssessment.objects.exists()


def test_a_script_saving_a_figure_the_column_cannot_hold_is_refused(receive):
    """The shell path: on PostgreSQL the database refuses (never wraps); the stored figure stays."""
    from django.conf import settings
    from django.db import DataError, transaction

    receive("b2_2026112202.xml")
    assessment = m.VillageAssessment.objects.get()
    assessment.households = 4294967396
    if settings.IS_POSTGRES:
        with pytest.raises(DataError, match="out of range"), transaction.atomic():
            assessment.save()
        assessment.refresh_from_db()
        assert assessment.households == 420
    else:  # SQLite stores 64-bit integers as given: nothing wraps, the value read back is the value saved
        assessment.save()
        assessment.refresh_from_db()
        assert assessment.households == 4294967396


def test_a_rounds_own_b2_stores_departures_empty_houses_and_every_country(receive, personas):
    from bma.validation.models import QualityIssue
    from bma.xforms.services import b2_publish_for_round

    b2_publish_for_round(personas.round, entity_list=False)  # the fixture's version
    submission = receive("b2_round_20261207002.xml")
    assert submission.state == ProcessingState.PROCESSED, submission.error
    a = m.VillageAssessment.objects.get(submission=submission)
    assert (a.houses_empty, a.houses_looked_after, a.elderly_alone, a.round_answered) == (48, 30, "yes", None)
    assert list(a.departures.values_list("year", "households", "destination")) == [
        (2021, 0, ""),
        (2022, 14, "abroad"),
        (2023, 31, "another_district"),
    ]
    assert a.populations.get(population="imw").countries.filter(country="SE").exists()
    assert not QualityIssue.objects.filter(village_assessment=a, code="impossible_housing").exists()

    # An edit from a path the form's constraints do not bind (Kobo, Web Forms edits, scripts): stored as
    # answered, never capped, and an error the supervisor must clear.
    edited = receive(
        "b2_round_20261207002.xml",
        {
            "<houses_empty>48</houses_empty>": "<houses_empty>500</houses_empty>",
            "<hh_left_y2022>14</hh_left_y2022>": "<hh_left_y2022>400</hh_left_y2022>",
            "<instanceID>uuid:5b0d3c1e-8f7a-4d2b-9a61-0c4e2f7d1a20</instanceID>": "<instanceID>uuid:edit-1</instanceID>"
            "<deprecatedID>uuid:5b0d3c1e-8f7a-4d2b-9a61-0c4e2f7d1a20</deprecatedID>",
        },
    )
    assert edited.state == ProcessingState.PROCESSED, edited.error
    a.refresh_from_db()
    assert a.houses_empty == 500 and a.departures.get(year=2022).households == 400
    issue = QualityIssue.objects.get(village_assessment=a, code="impossible_housing")
    assert "500 houses stand empty in a village of 420 households." in issue.message
    assert "431 households left entirely in 2021-2023, more than the village's 420." in issue.message
