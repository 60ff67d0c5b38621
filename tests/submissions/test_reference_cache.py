"""The intake keeps its form, round and token lookups for a few seconds; changes still take effect."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bma.core import reference_cache
from bma.rounds.services import round_close
from bma.submissions.auth import collect_token_issue, collect_token_revoke
from bma.xforms.models import Form, FormState
from tests.submissions.conftest import FORM_ID, submission_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(client, personas, b2_form):
    token = collect_token_issue(personas.enumerator)

    def post(instance_id: str) -> int:
        data = {"xml_submission_file": SimpleUploadedFile("s.xml", submission_xml(instance_id), "text/xml")}
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


def test_a_change_made_by_another_process_is_seen_within_the_cache_time(device, monkeypatch, settings):
    settings.BMA_REFERENCE_CACHE_SECONDS = 10
    now = [1000.0]
    monkeypatch.setattr(reference_cache.time, "monotonic", lambda: now[0])
    assert device("uuid:p1") == 201
    # An update() sends no signal, like a change saved by another gunicorn worker.
    Form.objects.filter(xml_form_id=FORM_ID).update(state=FormState.CLOSED)
    assert device("uuid:p2") == 201
    now[0] += 11
    assert device("uuid:p3") == 409
