"""KoboToolbox REST service records land in the same lossless store."""

import json

import pytest

from bma.submissions.models import KoboSource, PayloadFormat, Submission, SubmissionSource
from tests.submissions.conftest import VERSION

pytestmark = pytest.mark.django_db


@pytest.fixture
def kobo_source(b2_form, personas):
    return KoboSource.objects.create(name="Kobo B2 pilot", form=b2_form.form, submitted_as=personas.enumerator)


def record(uuid="0b7a7c0e-1111-4a4a-9a9a-000000000001", **extra):
    body = {
        "_id": 512,
        "_uuid": uuid,
        "__version__": VERSION,
        "formhub/uuid": "f00",
        "district": "TJ-SU-ASH",
        "village_group/village": "V-ASH-0001",
        "informants": [{"informants/sex": "female"}],
        "meta/instanceID": f"uuid:{uuid}",
    }
    body.update(extra)
    return json.dumps(body, ensure_ascii=False).encode()


def send(client, source, payload):
    return client.post(f"/kobo/{source.token}/", payload, content_type="application/json")


def test_record_is_stored_as_sent(client, kobo_source):
    payload = record()
    response = send(client, kobo_source, payload)
    assert response.status_code == 201
    stored = Submission.objects.get()
    assert stored.payload_bytes == payload
    assert (stored.source, stored.payload_format) == (SubmissionSource.KOBO, PayloadFormat.KOBO_JSON)
    assert stored.instance_id == "uuid:0b7a7c0e-1111-4a4a-9a9a-000000000001"
    assert stored.form_version is not None


def test_retried_record_is_a_success_without_a_second_copy(client, kobo_source):
    assert send(client, kobo_source, record()).status_code == 201
    response = send(client, kobo_source, record())
    assert response.status_code == 200 and response.json()["outcome"] == "duplicate"
    assert Submission.objects.count() == 1


def test_record_without_instance_id_uses_uuid(client, kobo_source):
    payload = json.loads(record())
    del payload["meta/instanceID"]
    assert send(client, kobo_source, json.dumps(payload).encode()).status_code == 201
    assert Submission.objects.get().instance_id.startswith("uuid:0b7a7c0e")


def test_kobo_edit_with_root_uuid_replaces_the_current_version(client, kobo_source):
    send(client, kobo_source, record("aaa"))
    response = send(client, kobo_source, record("bbb", **{"meta/rootUuid": "uuid:aaa"}))
    assert response.status_code == 201
    assert Submission.objects.get(instance_id="uuid:bbb").is_current
    assert not Submission.objects.get(instance_id="uuid:aaa").is_current


def test_bad_token_and_bad_payload_are_4xx_so_kobo_does_not_retry(client, kobo_source):
    assert client.post("/kobo/not-a-token/", record(), content_type="application/json").status_code == 403
    response = send(client, kobo_source, b"{not json")
    assert response.status_code == 400 and "not JSON" in response.json()["message"]
    assert send(client, kobo_source, b"[1, 2]").status_code == 400
    assert not Submission.objects.exists()


def test_unknown_kobo_version_is_kept_and_reported_by_processing(
    client, kobo_source, django_capture_on_commit_callbacks, tasks_in_process
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, kobo_source, record(__version__="vKoboOnly")).status_code == 201
    stored = Submission.objects.get()
    assert stored.form_version is None
    assert stored.state == "failed" and "not on this server" in stored.last_error


def test_a_refusal_is_answered_in_russian_and_logged_in_english(client, kobo_source):
    """The answer is read by whoever sent the record (here in Russian); the rejection log is the team's
    record, kept in the server's language."""
    from bma.submissions.models import RejectedAttempt

    response = client.post(
        f"/kobo/{kobo_source.token}/", b"[1, 2]", content_type="application/json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "Данные от Kobo должны быть JSON-объектом (одна анкета)."
    assert RejectedAttempt.objects.get().message == "The Kobo payload must be a JSON object (one submission)."


def test_a_processing_failure_is_recorded_in_english_when_processed_in_a_russian_request(
    client, kobo_source, django_capture_on_commit_callbacks, tasks_in_process
):
    """A submission's failure is a record on the row: English, whoever's language ran the processing."""
    from django.utils import translation

    with translation.override("ru"), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/kobo/{kobo_source.token}/",
            record(__version__="vKoboOnly"),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="ru",
        )
        assert response.status_code == 201
    assert Submission.objects.get().last_error == (
        "The form version of this submission is not on this server; publish it, then reprocess."
    )


def test_database_outage_answers_503_so_kobo_retries(client, kobo_source, monkeypatch):
    from django.db import OperationalError

    from bma.submissions import kobo_views

    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(kobo_views, "kobo_record_receive", down)
    assert send(client, kobo_source, record()).status_code == 503


def test_kobo_record_outside_the_assignment_is_refused_when_the_round_says_so(client, kobo_source, personas):
    from bma.rounds.models import OutsideAssignment
    from bma.submissions.models import RejectedAttempt

    personas.round.outside_assignment = OutsideAssignment.REFUSE
    personas.round.save()
    response = send(client, kobo_source, record(district="TJ-KT-PAN"))
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "submission.outside_assignment" and "TJ-KT-PAN is outside" in body["message"]
    assert not Submission.objects.exists()
    assert RejectedAttempt.objects.get().code == "submission.outside_assignment"
    assert send(client, kobo_source, record(district="TJ-SU-ASH")).status_code == 201


# --- Kobo intake decides as OpenRosa does, and refuses what it cannot store with a 400 ---------------


def test_an_identifier_too_long_to_store_is_a_400_listed_under_rejected_attempts(client, kobo_source):
    """Kobo retries a 503 for ever: an id the store cannot key must be a 400 it stops at, with words."""
    from bma.submissions.models import RejectedAttempt

    long_uuid = "a" * 300
    response = send(client, kobo_source, record(long_uuid))
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "submission.invalid" and "longer than 255 characters" in body["message"]
    response = send(client, kobo_source, record(**{"meta/rootUuid": "uuid:" + "b" * 300}))
    assert response.status_code == 400 and "meta/rootUuid" in response.json()["message"]
    assert not Submission.objects.exists()
    attempts = list(RejectedAttempt.objects.order_by("pk"))
    assert [(a.source, a.status, a.code) for a in attempts] == [("kobo", 400, "submission.invalid")] * 2
    assert attempts[0].form_id == kobo_source.form.xml_form_id
    assert attempts[0].user == kobo_source.submitted_as
    assert attempts[1].instance_id == ""  # refused while reading the ids: none of them is trusted
    # A good record from the same Kobo project is still stored.
    assert send(client, kobo_source, record()).status_code == 201


def test_json_nested_absurdly_deep_is_a_400_not_a_server_error(client, kobo_source):
    from bma.submissions.models import RejectedAttempt

    deep = b'{"_uuid": "x", "a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = send(client, kobo_source, deep)
    assert response.status_code == 400 and "nests deeper" in response.json()["message"]
    # Deep enough to pass json.loads, far deeper than any record: refused the same way.
    medium = b'{"_uuid": "x", "a": ' + b"[" * 200 + b"]" * 200 + b"}"
    assert send(client, kobo_source, medium).status_code == 400
    assert not Submission.objects.exists()
    assert RejectedAttempt.objects.filter(source="kobo", status=400).count() == 2


def test_kobo_record_for_a_closed_form_is_refused_as_openrosa_refuses_it(client, kobo_source):
    from bma.xforms.models import FormState

    form = kobo_source.form
    form.state = FormState.CLOSED
    form.save()
    response = send(client, kobo_source, record())
    assert response.status_code == 409 and response.json()["error"] == "form.closed"
    assert not Submission.objects.exists()


def test_kobo_record_with_no_round_open_is_refused_as_openrosa_refuses_it(client, kobo_source, personas):
    from bma.rounds.models import RoundState

    personas.round.state = RoundState.CLOSED
    personas.round.save()
    response = send(client, kobo_source, record())
    assert response.status_code == 409 and response.json()["error"] == "round.not_open"
    assert not Submission.objects.exists()


def test_kobo_record_stored_as_a_user_not_in_the_round_is_refused(client, kobo_source, personas):
    kobo_source.submitted_as = personas.outsider
    kobo_source.save()
    response = send(client, kobo_source, record())
    assert response.status_code == 403 and response.json()["error"] == "submission.not_assigned"
    personas.outsider.is_active = False
    personas.outsider.save()
    response = send(client, kobo_source, record())
    assert response.status_code == 403 and "turned off" in response.json()["message"]
    assert not Submission.objects.exists()


def test_kobo_record_lands_in_the_round_the_user_collects_in(client, kobo_source, personas):
    assert send(client, kobo_source, record()).status_code == 201
    assert Submission.objects.get().round == personas.round


def test_kobo_source_without_a_user_collects_in_the_open_round(client, kobo_source, personas):
    from bma.rounds.models import RoundState

    kobo_source.submitted_as = None
    kobo_source.save()
    assert send(client, kobo_source, record()).status_code == 201
    stored = Submission.objects.get()
    assert stored.round == personas.round and stored.submitted_by is None
    personas.round.state = RoundState.CLOSED
    personas.round.save()
    response = send(client, kobo_source, record("another"))
    assert response.status_code == 409 and response.json()["error"] == "round.not_open"


# --- One district per record, as over OpenRosa (issue 28, item 3) --------------------------------------


def test_a_record_giving_the_district_twice_or_not_at_all_is_a_400_listed_under_rejected_attempts(
    client, kobo_source, personas
):
    from bma.rounds.models import OutsideAssignment
    from bma.submissions.models import RejectedAttempt

    personas.round.outside_assignment = OutsideAssignment.REFUSE
    personas.round.save()
    # JSON allows a repeated key; json.loads keeps the last one (Panj), the header read the same.
    twice = record().replace(b'"district": "TJ-SU-ASH"', b'"district": "TJ-SU-ASH", "district": "TJ-KT-PAN"')
    response = send(client, kobo_source, twice)
    assert response.status_code == 400 and "gives district more than once" in response.json()["message"]
    without = json.loads(record("no-district"))
    del without["district"]
    response = send(client, kobo_source, json.dumps(without).encode())
    assert response.status_code == 400 and "names no district" in response.json()["message"]
    assert not Submission.objects.exists()
    assert RejectedAttempt.objects.filter(code="submission.invalid").count() == 2


# --- Edits only by the submitter, a supervisor of the district or a coordinator (issue 28, item 4) -------


def test_a_kobo_edit_of_another_users_submission_is_refused(client, kobo_source, personas):
    from bma.submissions.models import RejectedAttempt
    from bma.submissions.services import submission_receive
    from tests import factories
    from tests.submissions.conftest import submission_xml

    colleague = factories.make_user("colleague", "enumerator")
    factories.assign(colleague, personas.geo.asht, personas.round, "enumerator")
    submission_receive(payload=submission_xml("uuid:by-colleague"), files=[], user=colleague)
    edit = record("kobo-edit", **{"meta/deprecatedID": "uuid:by-colleague"})
    response = send(client, kobo_source, edit)  # stored as personas.enumerator
    assert response.status_code == 403 and response.json()["error"] == "submission.edit_forbidden"
    assert Submission.objects.get().instance_id == "uuid:by-colleague"
    assert RejectedAttempt.objects.get().instance_id == "uuid:kobo-edit"
    # The same edit through a source stored as the colleague is theirs to make.
    kobo_source.submitted_as = colleague
    kobo_source.save()
    assert send(client, kobo_source, edit).status_code == 201
    assert Submission.objects.get(is_current=True).instance_id == "uuid:kobo-edit"


# --- An instance already stored through the other protocol is a resend (issue 28, item 10) -------------

SAME_ANSWERS_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?><data xmlns:orx="http://openrosa.org/xforms" id="intake_test" '
    b'version="2023080101"><district>TJ-SU-ASH</district><village_group><village>V-ASH-0001</village>'
    b"</village_group><informants><sex>female</sex></informants><photo/>"
    b"<orx:meta><orx:instanceID>uuid:0b7a7c0e-1111-4a4a-9a9a-000000000001</orx:instanceID></orx:meta></data>"
)


def _collect(client, user, xml):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(user)
    data = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, content_type="text/xml")}
    return client.post("/collect/submission?deviceID=collect:t1", data)


def test_openrosa_then_kobo_with_the_same_answers_is_already_received(client, kobo_source, personas):
    assert _collect(client, personas.enumerator, SAME_ANSWERS_XML).status_code == 201
    response = send(client, kobo_source, record())  # the same instance, as Kobo's REST service posts it
    assert response.status_code == 200 and response.json()["outcome"] == "duplicate"
    assert Submission.objects.get().payload_bytes == SAME_ANSWERS_XML
    changed = send(client, kobo_source, record(**{"village_group/village": "V-ASH-0002"}))
    assert changed.status_code == 409 and changed.json()["error"] == "submission.duplicate_conflict"


def test_kobo_then_openrosa_with_the_same_answers_is_already_received(client, kobo_source, personas):
    assert send(client, kobo_source, record()).status_code == 201
    response = _collect(client, personas.enumerator, SAME_ANSWERS_XML)
    assert response.status_code == 201 and b"already received" in response.content
    stored = Submission.objects.get()
    assert stored.payload_bytes == record() and not stored.attachments.exists()
    changed = _collect(client, personas.enumerator, SAME_ANSWERS_XML.replace(b"female", b"male"))
    assert changed.status_code == 409


# --- A body too large, or an id that is not text: a 4xx in Kobo's JSON, listed under Rejected attempts


@pytest.mark.parametrize(
    ("ours", "djangos", "limit"),
    [(2_000, 10_000_000, "2,000"), (50_000_000, 2_000, "2,000")],
    ids=["BMA_SUBMISSION_MAX_BYTES", "DATA_UPLOAD_MAX_MEMORY_SIZE"],
)
def test_a_record_over_the_size_limit_is_refused_in_json_with_the_limit(
    client, kobo_source, settings, caplog, ours, djangos, limit
):
    from bma.submissions.models import RejectedAttempt

    settings.BMA_SUBMISSION_MAX_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE = ours, djangos
    big = record(notes="x" * 3_000)
    with caplog.at_level("INFO"):
        response = send(client, kobo_source, big)
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == "submission.too_large"
    assert f"this server takes at most {limit} bytes" in body["message"]
    assert not Submission.objects.exists()
    attempt = RejectedAttempt.objects.get()
    assert (attempt.source, attempt.status, attempt.code) == ("kobo", 413, "submission.too_large")
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info]
    assert send(client, kobo_source, record()).status_code == 201  # a record within the limit still goes in


@pytest.mark.parametrize(
    ("key", "value", "kind"),
    [
        ("meta/instanceID", ["not", "an", "id"], "a list"),
        ("meta/instanceID", 12345, "a number"),
        ("_uuid", {"id": "x"}, "an object"),
        ("meta/rootUuid", ["uuid:a"], "a list"),
    ],
)
def test_an_id_that_is_not_text_is_refused_with_a_clear_400(client, kobo_source, key, value, kind):
    from bma.submissions.models import RejectedAttempt

    payload = json.loads(record())
    if key == "_uuid":
        del payload["meta/instanceID"]
    payload[key] = value
    response = send(client, kobo_source, json.dumps(payload).encode())
    assert response.status_code == 400
    assert response.json() == {
        "error": "submission.invalid",
        "message": f"The Kobo record's {key} must be text, not {kind}.",
    }
    assert not Submission.objects.exists()
    assert RejectedAttempt.objects.get().code == "submission.invalid"
