"""Taking submissions from ODK Collect: stored losslessly, duplicates and edits handled, bad input refused."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from bma.rounds.models import RoundState
from bma.submissions.models import ProcessingState, RejectedAttempt, Submission
from bma.xforms.models import Form, FormState
from tests.submissions.conftest import FORM_ID, submission_xml

pytestmark = pytest.mark.django_db


def post(client, xml: bytes, *files, incomplete=False, **extra):
    data = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, content_type="text/xml")}
    for name, content in files:
        data[name] = SimpleUploadedFile(name, content, content_type="image/jpeg")
    if incomplete:
        data["*isIncomplete*"] = "yes"
    return client.post("/collect/submission?deviceID=collect:t1", data, **extra)


@pytest.fixture
def enumerator_client(client, personas, b2_form):
    client.force_login(personas.enumerator)
    return client


def test_head_answers_204_with_the_size_limit(enumerator_client):
    response = enumerator_client.head("/collect/submission?deviceID=collect:t1")
    assert response.status_code == 204
    assert response["X-OpenRosa-Accept-Content-Length"] == "50000000"
    assert response["X-OpenRosa-Version"] == "1.0"


def test_a_new_submission_is_stored_byte_for_byte_and_processed(
    enumerator_client, personas, django_capture_on_commit_callbacks, tasks_in_process
):
    xml = submission_xml("uuid:a1", photo="p.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        response = post(enumerator_client, xml, ("p.jpg", b"\xff\xd8jpeg"))
    assert response.status_code == 201
    assert b"Submission received" in response.content
    stored = Submission.objects.get(instance_id="uuid:a1")
    assert stored.payload_bytes == xml
    assert stored.submitted_by == personas.enumerator and stored.round == personas.round
    assert stored.device_id == "collect:t1"
    assert [(a.filename, bytes(a.content)) for a in stored.attachments.all()] == [("p.jpg", b"\xff\xd8jpeg")]
    stored.refresh_from_db()
    assert stored.state == ProcessingState.PROCESSED


def test_a_submission_and_its_files_are_stored_together_once(enumerator_client):
    """On PostgreSQL one statement stores the row and its files (issue 34): all of them, with their sizes
    and hashes, and a resend of the whole POST adds nothing."""
    xml = submission_xml("uuid:f1", photo="p1.jpg")
    files = [("p1.jpg", b"\xff\xd8one"), ("p2.jpg", b"two"), ("sig.png", b"")]
    assert post(enumerator_client, xml, *files).status_code == 201
    stored = Submission.objects.get(instance_id="uuid:f1")
    assert [(a.filename, bytes(a.content), a.size, a.content_type) for a in stored.attachments.all()] == [
        ("p1.jpg", b"\xff\xd8one", 5, "image/jpeg"),
        ("p2.jpg", b"two", 3, "image/jpeg"),
        ("sig.png", b"", 0, "image/jpeg"),
    ]
    assert stored.attachments.get(filename="p2.jpg").sha256 == hashlib.sha256(b"two").hexdigest()
    assert post(enumerator_client, xml, *files).status_code == 201
    assert Submission.objects.filter(instance_id="uuid:f1").count() == 1 and stored.attachments.count() == 3


def test_identical_resend_succeeds_and_keeps_new_attachments(enumerator_client):
    xml = submission_xml("uuid:a2", photo="p.jpg")
    assert post(enumerator_client, xml).status_code == 201
    response = post(enumerator_client, xml, ("p.jpg", b"jpeg"))
    assert response.status_code == 201
    assert b"already received" in response.content
    assert Submission.objects.filter(instance_id="uuid:a2").count() == 1
    assert Submission.objects.get(instance_id="uuid:a2").attachments.count() == 1


def test_split_upload_keeps_the_files_of_every_part(enumerator_client):
    xml = submission_xml("uuid:a3", photo="p1.jpg")
    assert post(enumerator_client, xml, ("p1.jpg", b"one"), incomplete=True).status_code == 201
    assert post(enumerator_client, xml, ("p2.jpg", b"two")).status_code == 201
    names = sorted(Submission.objects.get(instance_id="uuid:a3").attachments.values_list("filename", flat=True))
    assert names == ["p1.jpg", "p2.jpg"]


def test_different_body_under_the_same_instance_id_is_a_conflict_and_keeps_the_original(enumerator_client):
    original = submission_xml("uuid:a4", village="V-ASH-0001")
    assert post(enumerator_client, original).status_code == 201
    response = post(enumerator_client, submission_xml("uuid:a4", village="V-ASH-0002"))
    assert response.status_code == 409
    assert b"A different submission with the ID uuid:a4 is already stored" in response.content
    assert Submission.objects.get(instance_id="uuid:a4").payload_bytes == original
    assert RejectedAttempt.objects.filter(code="submission.duplicate_conflict", instance_id="uuid:a4").exists()


def test_an_edit_becomes_the_current_version_of_the_same_submission(enumerator_client):
    assert post(enumerator_client, submission_xml("uuid:e1", photo="p.jpg"), ("p.jpg", b"photo")).status_code == 201
    edit = submission_xml("uuid:e2", village="V-ASH-0002", deprecated="uuid:e1", photo="p.jpg")
    response = post(enumerator_client, edit)
    assert response.status_code == 201
    assert b"replaces the earlier version" in response.content
    first, second = Submission.objects.get(instance_id="uuid:e1"), Submission.objects.get(instance_id="uuid:e2")
    assert (first.is_current, second.is_current) == (False, True)
    assert second.root_instance_id == "uuid:e1"
    assert list(second.attachments.values_list("filename", flat=True)) == ["p.jpg"]  # carried over
    # Sending the same edit again is still a success.
    assert post(enumerator_client, edit).status_code == 201


def test_editing_an_old_version_or_an_unknown_one_is_refused(enumerator_client):
    post(enumerator_client, submission_xml("uuid:f1"))
    post(enumerator_client, submission_xml("uuid:f2", deprecated="uuid:f1"))
    stale = post(enumerator_client, submission_xml("uuid:f3", deprecated="uuid:f1"))
    assert stale.status_code == 409
    assert b"a newer edit is already stored" in stale.content
    assert not Submission.objects.filter(instance_id="uuid:f3").exists()
    unknown = post(enumerator_client, submission_xml("uuid:g2", deprecated="uuid:nope"))
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    "change, status, words",
    [
        (lambda p: Form.objects.filter(xml_form_id=FORM_ID).update(state=FormState.CLOSED), 409, b"is closed"),
        (lambda p: p.round.__class__.objects.update(state=RoundState.CLOSED), 409, b"No round is open"),
        (lambda p: None, 404, b"is not on this server"),
    ],
    ids=["closed form", "closed round", "unknown form"],
)
def test_refusals_say_what_to_do(enumerator_client, personas, change, status, words):
    change(personas)
    form_id = "other_form" if status == 404 else FORM_ID
    response = post(enumerator_client, submission_xml(form_id=form_id))
    assert response.status_code == status
    assert words in response.content
    assert not Submission.objects.exists()


def test_closing_form_still_takes_submissions(enumerator_client):
    Form.objects.filter(xml_form_id=FORM_ID).update(state=FormState.CLOSING)
    assert post(enumerator_client, submission_xml()).status_code == 201


def test_unknown_version_tells_the_enumerator_to_update(enumerator_client):
    response = post(enumerator_client, submission_xml(version="1999"))
    assert response.status_code == 404
    assert b"Get the latest forms" in response.content


def test_user_without_assignment_in_the_open_round_is_refused(client, personas, b2_form):
    client.force_login(personas.outsider)
    response = post(client, submission_xml())
    assert response.status_code == 403
    assert b"not assigned" in response.content


@pytest.mark.parametrize(
    "xml, words",
    [
        (b"<data id='bma_b2'><unclosed></data>", b"not well-formed"),
        (b"", b"has no 'xml_submission_file'"),
        (b"<data version='1'><meta><instanceID>uuid:x</instanceID></meta></data>", b"no form id"),
        (b"<data id='bma_b2' version='2023080101'><a/></data>", b"no meta/instanceID"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<data id='bma_b2'>&x;</data>",
            b"DTD or entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
            b"<data id='bma_b2'>&lol2;</data>",
            b"DTD or entities",
        ),
    ],
    ids=["malformed", "missing part", "no form id", "no instance id", "xxe", "entity expansion"],
)
def test_bad_xml_is_refused_clearly_and_logged(enumerator_client, xml, words):
    response = post(enumerator_client, xml) if xml else enumerator_client.post("/collect/submission", {})
    assert response.status_code == 400
    assert words in response.content
    assert not Submission.objects.exists()
    assert RejectedAttempt.objects.filter(status=400).count() == 1


@override_settings(BMA_SUBMISSION_MAX_BYTES=2000)
def test_oversized_upload_gets_413_with_the_limit(enumerator_client):
    response = post(enumerator_client, submission_xml(), ("big.jpg", b"x" * 5000))
    assert response.status_code == 413
    assert b"at most 2,000" in response.content
    assert not Submission.objects.exists()


def test_broker_down_still_accepts_and_the_sweeper_processes_later(
    enumerator_client, monkeypatch, django_capture_on_commit_callbacks, tasks_in_process
):
    from kombu.exceptions import OperationalError

    from bma.pipeline.tasks import submission_process as task
    from bma.pipeline.tasks import submissions_sweep

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis")

    monkeypatch.setattr(task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        assert post(enumerator_client, submission_xml("uuid:b1")).status_code == 201
    stored = Submission.objects.get(instance_id="uuid:b1")
    assert stored.state == ProcessingState.RECEIVED

    monkeypatch.undo()
    Submission.objects.filter(pk=stored.pk).update(created_at=stored.created_at.replace(year=2020))
    assert submissions_sweep() == [stored.pk]
    stored.refresh_from_db()
    assert stored.state == ProcessingState.PROCESSED


def _for_district(district: str) -> bytes:
    return submission_xml(district=district)


def test_a_round_that_refuses_outside_districts_answers_403_stores_nothing_and_logs_it(enumerator_client, personas):
    from bma.rounds.models import OutsideAssignment

    personas.round.outside_assignment = OutsideAssignment.REFUSE
    personas.round.save()
    response = post(enumerator_client, _for_district("TJ-KT-PAN"))  # the enumerator is assigned to Asht
    assert response.status_code == 403
    assert b"TJ-KT-PAN is outside the areas you" in response.content and b"Nothing was stored" in response.content
    assert not Submission.objects.exists()
    attempt = RejectedAttempt.objects.get()
    assert attempt.code == "submission.outside_assignment" and attempt.user == personas.enumerator
    # Inside the assignment the same round accepts.
    assert post(enumerator_client, _for_district("TJ-SU-ASH")).status_code == 201


def test_a_flagging_round_accepts_an_outside_district(enumerator_client):
    assert post(enumerator_client, _for_district("TJ-KT-PAN")).status_code == 201
    assert Submission.objects.count() == 1 and not RejectedAttempt.objects.exists()


def test_an_over_long_device_id_is_refused_with_a_message_and_nothing_is_stored(enumerator_client):
    response = enumerator_client.post(
        "/collect/submission?deviceID=" + "d" * 300,
        {"xml_submission_file": SimpleUploadedFile("s.xml", submission_xml("uuid:long-device"), "text/xml")},
    )
    assert response.status_code == 400 and b"at most 255" in response.content
    assert not Submission.objects.filter(instance_id="uuid:long-device").exists()


def _message_text(response) -> str:
    import xml.etree.ElementTree as ET

    return ET.fromstring(response.content).findtext("{http://openrosa.org/http/response}message")


def test_a_refusal_is_worded_in_the_devices_language_and_logged_in_english(client, personas, b2_form):
    """Collect sends the device's language; the enumerator reads the refusal in it, the team's log does not change."""
    from bma.submissions.auth import collect_token_issue

    token = collect_token_issue(personas.enumerator, "tablet tg")
    Form.objects.filter(xml_form_id=FORM_ID).update(state=FormState.CLOSED)
    data = {"xml_submission_file": SimpleUploadedFile("s.xml", submission_xml("uuid:l1"), content_type="text/xml")}

    response = client.post(f"/collect/key/{token.token}/submission", data, HTTP_ACCEPT_LANGUAGE="tg")

    assert response.status_code == 409
    assert response["Content-Language"] == "tg"
    assert "баста аст ва дигар анкета қабул намекунад" in _message_text(response)
    logged = RejectedAttempt.objects.get(code="form.closed", instance_id="uuid:l1")
    assert "is closed and takes no more submissions" in logged.message


def test_the_enumerators_own_language_wins_over_the_devices(enumerator_client, personas):
    from bma.core.languages import user_language_set

    user_language_set(personas.enumerator, "ru")
    assert post(enumerator_client, submission_xml("uuid:l2", village="V-ASH-0001")).status_code == 201

    response = post(enumerator_client, submission_xml("uuid:l2", village="V-ASH-0002"), HTTP_ACCEPT_LANGUAGE="tg")

    assert response.status_code == 409
    assert _message_text(response) == (
        "Другая анкета с идентификатором uuid:l2 уже сохранена. Ничего не изменено; "
        "попросите супервайзера посмотреть обе."
    )
    success = post(enumerator_client, submission_xml("uuid:l3"), HTTP_ACCEPT_LANGUAGE="tg")
    assert _message_text(success) == "Анкета получена. Спасибо!"


def test_a_device_in_an_unknown_language_reads_english(client, personas, b2_form):
    response = client.post("/collect/submission", {}, HTTP_ACCEPT_LANGUAGE="de")  # no credentials: the challenge

    assert response.status_code == 401
    assert _message_text(response) == "Log in with your enumerator user name and password."
    assert client.post("/collect/submission", {}, HTTP_ACCEPT_LANGUAGE="ru").content.decode().count("Войдите") == 1


# --- The district admission checks is the district stored (issue 28, item 3) ---------------------------


def test_a_district_given_twice_is_refused_not_checked_as_one_and_stored_as_the_other(enumerator_client, personas):
    """Intake read the first <district>, the mapper the last: Asht then Panj passed a refusing round
    as Asht (the enumerator's district) and would have been stored as Panj."""
    from bma.rounds.models import OutsideAssignment

    personas.round.outside_assignment = OutsideAssignment.REFUSE
    personas.round.save()
    twice = submission_xml("uuid:two-districts").replace(
        b"<district>TJ-SU-ASH</district>", b"<district>TJ-SU-ASH</district><district>TJ-KT-PAN</district>"
    )
    response = post(enumerator_client, twice)
    assert response.status_code == 400
    assert "gives the district 2 times (TJ-SU-ASH, TJ-KT-PAN)" in _message_text(response)
    assert not Submission.objects.exists()
    attempt = RejectedAttempt.objects.get()
    assert (attempt.code, attempt.instance_id) == ("submission.invalid", "")


def test_a_submission_of_our_forms_without_a_district_is_refused_one_of_another_form_is_not(
    enumerator_client, personas
):
    for missing in (submission_xml("uuid:no-district", district=None), submission_xml("uuid:no-district", district="")):
        response = post(enumerator_client, missing)
        assert response.status_code == 400
        assert "names no district. Nothing was stored" in _message_text(response)
    assert not Submission.objects.exists()
    assert RejectedAttempt.objects.filter(code="submission.invalid", instance_id="uuid:no-district").count() == 2
    # An uploaded form of another kind asks no district: it is stored without one.
    form = Form.objects.get(xml_form_id=FORM_ID)
    form.kind = "other"
    form.save()
    assert post(enumerator_client, submission_xml("uuid:other-form", district=None)).status_code == 201


# --- Only the submitter, a supervisor of the district or a coordinator may edit (issue 28, item 4) -------


@pytest.fixture
def colleague(personas):
    """A second enumerator of the same district: assigned where the submission is, but not its author."""
    from tests import factories

    user = factories.make_user("colleague", "enumerator")
    factories.assign(user, personas.geo.asht, personas.round, "enumerator")
    return user


def test_an_enumerator_cannot_replace_another_enumerators_submission(client, personas, b2_form, colleague):
    client.force_login(personas.enumerator)
    assert post(client, submission_xml("uuid:theirs")).status_code == 201
    client.force_login(colleague)
    response = post(client, submission_xml("uuid:hijack", village="V-ASH-0002", deprecated="uuid:theirs"))
    assert response.status_code == 403
    assert "edit of uuid:theirs, which another user sent" in _message_text(response)
    assert not Submission.objects.filter(instance_id="uuid:hijack").exists()
    assert Submission.objects.get(instance_id="uuid:theirs").is_current
    attempt = RejectedAttempt.objects.get()
    assert (attempt.code, attempt.user, attempt.instance_id) == (
        "submission.edit_forbidden",
        colleague,
        "uuid:hijack",
    )
    client.force_login(personas.outsider)  # no role, no assignment: refused before the edit is looked at
    assert post(client, submission_xml("uuid:outsider", deprecated="uuid:theirs")).status_code == 403
    assert Submission.objects.get(is_current=True).instance_id == "uuid:theirs"


def test_the_submitter_a_supervisor_of_the_district_and_a_coordinator_may_edit(client, personas, b2_form):
    client.force_login(personas.enumerator)
    assert post(client, submission_xml("uuid:v1")).status_code == 201
    client.force_login(personas.supervisor)  # supervises Sughd, where Asht lies
    assert post(client, submission_xml("uuid:v2", village="V-ASH-0002", deprecated="uuid:v1")).status_code == 201
    client.force_login(personas.enumerator)  # the author may edit again after the supervisor's edit
    assert post(client, submission_xml("uuid:v3", deprecated="uuid:v2")).status_code == 201
    client.force_login(personas.coordinator)
    assert post(client, submission_xml("uuid:v4", deprecated="uuid:v3")).status_code == 201
    assert Submission.objects.get(is_current=True).instance_id == "uuid:v4"
    assert not RejectedAttempt.objects.exists()


def test_a_supervisor_of_another_province_cannot_edit(client, personas, b2_form):
    from tests import factories

    elsewhere = factories.make_user("khatlon_supervisor", "supervisor")
    factories.assign(elsewhere, personas.geo.khatlon, personas.round, "supervisor")
    client.force_login(personas.enumerator)
    assert post(client, submission_xml("uuid:w1")).status_code == 201
    client.force_login(elsewhere)
    assert post(client, submission_xml("uuid:w2", deprecated="uuid:w1")).status_code == 403
    assert Submission.objects.get(is_current=True).instance_id == "uuid:w1"


def test_each_form_kind_intake_asks_a_district_of_has_a_required_top_level_district(published_forms):
    """FORMS_WITH_DISTRICT refuses a submission without one: our workbooks must all ask it, at the top."""
    from defusedxml.ElementTree import fromstring

    from bma.submissions.services import FORMS_WITH_DISTRICT

    xf = "{http://www.w3.org/2002/xforms}"
    kinds = set()
    for version in published_forms.values():
        if version.form.kind not in FORMS_WITH_DISTRICT:
            continue
        kinds.add(version.form.kind)
        model = fromstring(version.xml.encode()).find(f".//{xf}model")
        root = model.find(f"{xf}instance")[0]
        assert root.find(f"{xf}district") is not None, version.form.xml_form_id
        binds = {b.get("nodeset"): b.get("required") for b in model.iter(f"{xf}bind")}
        assert binds[f"/{root.tag.removeprefix(xf)}/district"] == "true()", version.form.xml_form_id
    assert kinds == FORMS_WITH_DISTRICT
