"""Supervisors see the failed and waiting submissions of their areas, with the reason, and can have
them processed again; coordinators see all; enumerators and outsiders see none."""

import pytest

from bma.submissions.models import ProcessingState, Submission
from bma.submissions.services import submission_receive
from tests.submissions.conftest import submission_xml

pytestmark = pytest.mark.django_db

LIST = "/admin/submissions/submission/"


def _stored(personas, instance_id: str, district: str) -> Submission:
    xml = submission_xml(instance_id, district=district)
    return submission_receive(payload=xml, files=[], user=personas.enumerator).submission


@pytest.fixture
def failures(personas, b2_form):
    asht = _stored(personas, "uuid:asht", "TJ-SU-ASH")
    panj = _stored(personas, "uuid:panj", "TJ-KT-PAN")
    typo = _stored(personas, "uuid:typo", "TJ-SU-NOPE")  # a district nobody knows: its submitter's areas decide
    waiting = _stored(personas, "uuid:waiting", "TJ-SU-KHU")
    Submission.objects.filter(pk__in=[asht.pk, panj.pk]).update(
        state=ProcessingState.FAILED, last_error="village code 'V-X' is not in the gazetteer of TJ-SU-ASH"
    )
    Submission.objects.filter(pk=typo.pk).update(state=ProcessingState.FAILED, last_error="district code 'TJ-SU-NOPE'")
    Submission.objects.filter(pk=waiting.pk).update(
        state=ProcessingState.RECEIVED, last_error="The database was not available; attempt 1 of 6"
    )
    return dict(asht=asht, panj=panj, typo=typo, waiting=waiting)


def _listed(client, query="") -> set[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return {s.instance_id for s in response.context["cl"].result_list}


def test_a_supervisor_sees_the_failures_of_their_province_with_the_reason_not_another_provinces(
    client, personas, failures
):
    client.force_login(personas.supervisor)  # Sughd: Asht and Khujand, not Panj (Khatlon)
    assert _listed(client, "?attention=both") == {"uuid:asht", "uuid:typo", "uuid:waiting"}
    assert _listed(client, "?attention=failed") == {"uuid:asht", "uuid:typo"}
    page = client.get(LIST + "?attention=both").content.decode()
    assert "is not in the gazetteer of TJ-SU-ASH" in page and "attempt 1 of 6" in page
    assert client.get(f"{LIST}{failures['panj'].pk}/change/").status_code == 302  # not theirs: not found


def test_a_coordinator_sees_every_failure(client, personas, failures):
    client.force_login(personas.coordinator)
    assert _listed(client, "?attention=failed") == {"uuid:asht", "uuid:panj", "uuid:typo"}


@pytest.mark.parametrize("who", ["enumerator", "outsider"])
def test_enumerators_and_outsiders_see_no_submissions(client, personas, failures, who):
    client.force_login(getattr(personas, who))
    assert client.get(LIST).status_code in (302, 403)


def test_a_supervisor_has_their_failures_processed_again_but_not_another_provinces(
    client, personas, failures, django_capture_on_commit_callbacks, tasks_in_process
):
    client.force_login(personas.supervisor)
    selected = [failures["asht"].pk, failures["panj"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, {"action": "process_again", "_selected_action": selected}, follow=True)
    assert "1 submissions queued for processing" in response.content.decode()
    states = dict(Submission.objects.values_list("instance_id", "state"))
    assert states["uuid:asht"] == ProcessingState.PROCESSED  # the intake test form has no mapper: raw only
    assert states["uuid:panj"] == ProcessingState.FAILED  # outside their areas: untouched


def test_the_district_is_kept_at_intake(personas, b2_form):
    assert _stored(personas, "uuid:d", "TJ-SU-ASH").district_code == "TJ-SU-ASH"
