"""The intake keeps its token, user, form, round and assignment lookups per process; a change made in any
process takes effect at the next request in every process (the reference version)."""

from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bma.core import reference_cache
from bma.core.reference_cache import reference_data_changed
from bma.rounds.models import Assignment, OutsideAssignment
from bma.rounds.services import round_close
from bma.submissions.auth import collect_token_issue, collect_token_revoke
from bma.submissions.models import CollectToken, Submission
from bma.xforms.models import Form, FormState, FormVersion
from tests.submissions.conftest import FORM_ID, FORM_XML, submission_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(client, personas, b2_form):
    token = collect_token_issue(personas.enumerator)

    def post(instance_id: str, **xml) -> int:
        data = {"xml_submission_file": SimpleUploadedFile("s.xml", submission_xml(instance_id, **xml), "text/xml")}
        return client.post(f"/collect/key/{token.token}/submission", data).status_code

    post.token = token
    return post


def test_closing_a_form_or_round_here_refuses_the_next_submission_at_once(device, personas):
    assert device("uuid:c1") == 201
    form = Form.objects.get(xml_form_id=FORM_ID)
    form.state = FormState.CLOSED
    form.save()
    assert device("uuid:c2") == 409
    form.state = FormState.OPEN
    form.save()
    assert device("uuid:c3") == 201
    round_close(round=personas.round)
    assert device("uuid:c4") == 409


def test_a_revoked_device_link_is_refused_at_once(device):
    assert device("uuid:r1") == 201
    collect_token_revoke(device.token)
    assert device("uuid:r2") == 403


def test_a_change_made_outside_django_is_seen_within_the_cache_time(device, monkeypatch, settings):
    settings.BMA_REFERENCE_CACHE_SECONDS = 10
    now = [1000.0]
    monkeypatch.setattr(reference_cache.time, "monotonic", lambda: now[0])
    assert device("uuid:p1") == 201
    # An update() sends no signal and gives no new version, like SQL typed in a shell.
    Form.objects.filter(xml_form_id=FORM_ID).update(state=FormState.CLOSED)
    assert device("uuid:p2") == 201
    now[0] += 11
    assert device("uuid:p3") == 409


# --- Every process at once: the reference version (issue 34) ---------------------------------------------


@contextmanager
def made_by_another_process():
    """The change inside is made as by another gunicorn worker: this process keeps what it had cached
    (its own change drops its cache at once; another worker's reaches it only through the version)."""
    cache = reference_cache.intake_cache
    items, version = dict(cache._items), cache._version
    yield
    cache._items.clear()
    cache._items.update(items)
    cache._version = version


def lookups(captured) -> list[str]:
    """The statements of a request other than the version read and the store itself."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if "core_referenceversion" not in q["sql"]
        and not q["sql"].startswith(("INSERT", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))
    ]


def test_the_cache_spares_the_lookups_and_reads_the_version_once(device):
    assert device("uuid:q1") == 201
    with CaptureQueriesContext(connection) as captured:
        assert device("uuid:q2") == 201
    assert lookups(captured) == []
    assert sum("core_referenceversion" in q["sql"] for q in captured.captured_queries) == 1


def test_a_device_link_revoked_in_another_process_is_refused_at_the_next_request(device):
    assert device("uuid:x1") == 201
    with made_by_another_process():
        collect_token_revoke(device.token)
    assert device("uuid:x2") == 403


def test_a_user_deactivated_in_another_process_is_refused_at_the_next_request(device, personas):
    assert device("uuid:d1") == 201
    with made_by_another_process():
        personas.enumerator.is_active = False
        personas.enumerator.save(update_fields=["is_active"])
    assert device("uuid:d2") == 403
    assert not Submission.objects.filter(instance_id="uuid:d2").exists()


def test_a_round_closed_in_another_process_is_refused_at_the_next_request(device, personas):
    assert device("uuid:o1") == 201
    with made_by_another_process():
        round_close(round=personas.round)
    assert device("uuid:o2") == 409
    assert not Submission.objects.filter(instance_id="uuid:o2").exists()


def test_a_form_version_published_or_a_form_closed_in_another_process_counts_at_the_next_request(device, b2_form):
    assert device("uuid:v1") == 201
    assert device("uuid:v2", version="2023090101") == 404  # not on this server yet
    with made_by_another_process():
        FormVersion.objects.create(
            form=b2_form.form,
            version="2023090101",
            xlsform=b"",
            xlsform_sha256="",
            xml=FORM_XML,
            xml_md5="",
            published_at=timezone.now(),
        )
    assert device("uuid:v3", version="2023090101") == 201
    with made_by_another_process():
        form = Form.objects.get(pk=b2_form.form_id)
        form.state = FormState.CLOSED
        form.save()
    assert device("uuid:v4", version="2023090101") == 409
    assert device("uuid:v5") == 409


def test_an_assignment_changed_in_another_process_counts_at_the_next_request(device, personas):
    personas.round.outside_assignment = OutsideAssignment.REFUSE
    personas.round.save()
    assert device("uuid:a1") == 201  # Asht, the enumerator's district
    with made_by_another_process():
        Assignment.objects.filter(user=personas.enumerator).update(area=personas.geo.panj)
        reference_data_changed()  # a bulk update says so itself, as collect_tokens_revoke does
    assert device("uuid:a2") == 403
    assert device("uuid:a3", district="TJ-KT-PAN") == 201
    with made_by_another_process():
        Assignment.objects.get(user=personas.enumerator).delete()  # no assignment left in the round
    assert device("uuid:a4", district="TJ-KT-PAN") == 403
    assert not Submission.objects.filter(instance_id__in=["uuid:a2", "uuid:a4"]).exists()


def test_a_change_without_a_new_version_would_not_be_seen_at_once(device):
    """The control: the tests above see the change through the version, not through anything else."""
    assert device("uuid:n1") == 201
    with made_by_another_process():
        CollectToken.objects.filter(pk=device.token.pk).update(revoked_at=timezone.now())
    assert device("uuid:n2") == 201  # until BMA_REFERENCE_CACHE_SECONDS, or the next version
    reference_data_changed()
    assert device("uuid:n3") == 403


def test_device_token_answers_skip_the_page_middleware_and_keep_their_headers(device, client):
    data = {"xml_submission_file": SimpleUploadedFile("s.xml", submission_xml("uuid:h1"), "text/xml")}
    response = client.post(f"/collect/key/{device.token.token}/submission", data, HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 201
    assert "Content-Security-Policy" in response and "X-Request-ID" in response
    assert response["X-Frame-Options"] == "DENY" and response["X-OpenRosa-Version"] == "1.0"
    assert "Получено" in response.content.decode() or "получен" in response.content.decode()
    assert not response.cookies  # no session, no CSRF cookie
    assert not hasattr(response.wsgi_request, "session")
