"""The database down at intake: Collect and Kobo get 503 + Retry-After (which they retry), in their
own format, nothing is half-stored, and the resend is stored exactly once."""

import json
import socket

import psycopg
import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from bma.submissions import services
from bma.submissions.auth import collect_token_issue
from bma.submissions.models import KoboSource, Submission, SubmissionAttachment
from tests.submissions.conftest import VERSION, submission_xml


def _database_gone(*args, **kwargs):
    """What Django raises when PostgreSQL is restarted under a request: 57P01, wrapped."""
    try:
        raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    except psycopg.Error as exc:
        raise OperationalError(str(exc)) from exc


def _post(client, xml: bytes, photo: bytes = b"jpeg bytes"):
    data = {
        "xml_submission_file": SimpleUploadedFile("submission.xml", xml, content_type="text/xml"),
        "photo.jpg": SimpleUploadedFile("photo.jpg", photo, content_type="image/jpeg"),
    }
    return client.post("/collect/submission?deviceID=collect:t1", data)


def _assert_openrosa_503(response):
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/xml") and response["X-OpenRosa-Version"] == "1.0"
    body = response.content if hasattr(response, "content") else b""
    assert b"<OpenRosaResponse" in body and b"database is not answering" in body


@pytest.mark.django_db
def test_database_lost_mid_submission_answers_503_stores_nothing_and_the_resend_is_stored_once(
    client, personas, b2_form, monkeypatch
):
    client.force_login(personas.enumerator)
    xml = submission_xml("uuid:outage", photo="photo.jpg")
    # The row is inserted, then the connection goes while the attachment is written. On PostgreSQL the
    # row and its files are one statement (issue 34): the connection goes during that statement.
    monkeypatch.setattr(
        services, "_insert" if connection.vendor == "postgresql" else "_store_attachments", _database_gone
    )
    _assert_openrosa_503(_post(client, xml))
    assert not Submission.objects.exists() and not SubmissionAttachment.objects.exists()

    monkeypatch.undo()
    assert _post(client, xml).status_code == 201
    stored = Submission.objects.get(instance_id="uuid:outage")
    assert list(stored.attachments.values_list("filename", flat=True)) == ["photo.jpg"]


@pytest.mark.django_db
def test_kobo_gets_a_json_503_with_retry_after_and_its_resend_is_stored_once(client, personas, b2_form, monkeypatch):
    source = KoboSource.objects.create(name="Kobo B2", form=b2_form.form, submitted_as=personas.enumerator)
    record = json.dumps(
        {"_uuid": "k-outage", "__version__": VERSION, "district": "TJ-SU-ASH", "meta/instanceID": "uuid:k-outage"}
    )
    monkeypatch.setattr(services, "_insert", _database_gone)
    response = client.post(f"/kobo/{source.token}/", record, content_type="application/json")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response.json()["error"] == "service.unavailable" and "nothing was stored" in response.json()["message"]
    assert not Submission.objects.exists()

    monkeypatch.undo()
    assert client.post(f"/kobo/{source.token}/", record, content_type="application/json").status_code == 201
    assert client.post(f"/kobo/{source.token}/", record, content_type="application/json").status_code == 200
    assert Submission.objects.filter(instance_id="uuid:k-outage").count() == 1


@pytest.mark.django_db
def test_a_fault_that_a_resend_would_meet_again_is_not_a_503(client, personas, b2_form, monkeypatch):
    """Kobo retries a 503 for ever: only a transient database error may answer one."""
    from django.db import DataError

    source = KoboSource.objects.create(name="Kobo B2", form=b2_form.form, submitted_as=personas.enumerator)

    def value_too_long(*args, **kwargs):
        raise DataError("value too long for type character varying(255)")

    monkeypatch.setattr(services, "_insert", value_too_long)
    record = json.dumps({"_uuid": "k-long", "__version__": VERSION, "district": "TJ-SU-ASH"})
    response = client.post(f"/kobo/{source.token}/", record, content_type="application/json")
    assert response.status_code == 500 and "could not be stored" in response.json()["message"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


@pytest.mark.django_db(transaction=True)
def test_postgresql_going_away_under_the_server_answers_503_and_collect_resends_once(
    real_services, live_server, personas, b2_form, monkeypatch
):
    """A real outage: the server's session is terminated and PostgreSQL cannot be reached for a while."""
    from django.db import connection

    token = collect_token_issue(personas.enumerator)
    url = f"{live_server.url}/collect/key/{token.token}/submission"
    xml = submission_xml("uuid:pg-outage")

    def send():
        return requests.post(url, files={"xml_submission_file": ("submission.xml", xml, "text/xml")}, timeout=30)

    assert requests.head(url, timeout=30).status_code == 204  # the server thread holds a connection now
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    monkeypatch.setitem(connection.settings_dict, "PORT", str(_closed_port()))  # no reconnecting either
    for _ in range(2):  # the dead session, then a refused connection
        response = send()
        assert response.status_code == 503, response.text
        assert int(response.headers["Retry-After"]) > 0
        assert response.headers["Content-Type"].startswith("text/xml")
        assert "<OpenRosaResponse" in response.text and "database is not answering" in response.text
    monkeypatch.undo()

    assert Submission.objects.filter(instance_id="uuid:pg-outage").count() == 0
    assert send().status_code == 201
    assert send().status_code == 201  # Collect's resend after a lost answer: a duplicate, a success
    assert Submission.objects.filter(instance_id="uuid:pg-outage").count() == 1
