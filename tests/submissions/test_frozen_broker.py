"""A frozen Redis (it accepts connections and never answers) must not slow intake down: the request
for processing is handed to a thread after the answer, and the sweeper takes up what the broker missed."""

import socket
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bma.celery import app
from bma.submissions import processing_requests
from bma.submissions.models import ProcessingState, Submission
from tests.submissions.conftest import submission_xml


@pytest.fixture
def frozen_broker(settings):
    """A broker URL whose server accepts every connection and never says a word."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:
                return  # closed at the end of the test

    threading.Thread(target=accept, daemon=True).start()
    eager = app.conf.task_always_eager
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=False)
    processing_requests._redis.cache_clear()
    try:
        yield accepted
    finally:
        app.conf.update(CELERY_TASK_ALWAYS_EAGER=eager)
        processing_requests._redis.cache_clear()
        server.close()
        for connection in accepted:
            connection.close()


@pytest.mark.django_db(transaction=True)
def test_intake_answers_without_waiting_on_a_frozen_broker_and_the_sweeper_processes_later(
    client, personas, b2_form, frozen_broker, monkeypatch
):
    asked_from = []
    send = processing_requests.processing_request_now

    def recording(submission_id):
        asked_from.append(threading.current_thread())
        send(submission_id)  # blocks on the frozen server until its socket timeout, then gives up

    monkeypatch.setattr(processing_requests, "processing_request_now", recording)
    client.force_login(personas.enumerator)
    xml = submission_xml("uuid:frozen-broker")
    response = client.post(
        "/collect/submission?deviceID=collect:t1",
        {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, content_type="text/xml")},
    )
    assert response.status_code == 201
    stored = Submission.objects.get(instance_id="uuid:frozen-broker")
    assert stored.state == ProcessingState.RECEIVED

    # The broker was asked, but by the hand-off thread, never by the request's own thread.
    assert processing_requests.processing_request_wait(timeout=30)
    assert asked_from and threading.current_thread() not in asked_from
    assert frozen_broker, "the hand-off thread did try the (frozen) broker"

    # The broker is back (here: tasks in-process): the sweeper finds the stored row and processes it.
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=True)
    Submission.objects.filter(pk=stored.pk).update(created_at=timezone.now() - timezone.timedelta(minutes=5))
    from bma.pipeline.tasks import submissions_sweep

    assert stored.pk in submissions_sweep()
    stored.refresh_from_db()
    assert stored.state == ProcessingState.PROCESSED
