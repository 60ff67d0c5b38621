"""Against PostgreSQL and Redis (second CI pass): a real worker processes, concurrent resends store once."""

import threading
import time

import pytest
import requests

from bma.submissions.auth import collect_token_issue
from bma.submissions.models import ProcessingState, Submission
from tests.submissions.conftest import submission_xml
from tests.support import TEST_PASSWORD, DigestClient


def post_via_token(url: str, xml: bytes) -> int:
    return requests.post(
        url, files={"xml_submission_file": ("submission.xml", xml, "text/xml")}, timeout=30
    ).status_code


@pytest.mark.django_db(transaction=True)
def test_real_worker_processes_a_submission_posted_over_http(celery_worker_process, live_server, personas, b2_form):
    token = collect_token_issue(personas.enumerator)
    url = f"{live_server.url}/collect/key/{token.token}/submission"
    assert post_via_token(url, submission_xml("uuid:w1")) == 201
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Submission.objects.get(instance_id="uuid:w1").state == ProcessingState.PROCESSED:
            break
        time.sleep(0.2)
    assert Submission.objects.get(instance_id="uuid:w1").state == ProcessingState.PROCESSED


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_of_one_submission_store_exactly_one(real_services, live_server, personas, b2_form):
    token = collect_token_issue(personas.enumerator)
    url = f"{live_server.url}/collect/key/{token.token}/submission"
    xml = submission_xml("uuid:race")
    statuses, barrier = [], threading.Barrier(20)

    def send():
        barrier.wait()
        statuses.append(post_via_token(url, xml))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 20
    assert Submission.objects.filter(instance_id="uuid:race").count() == 1


@pytest.mark.django_db(transaction=True)
def test_real_worker_maps_a_b2_into_a_village_assessment(celery_worker_process, live_server, personas, published_forms):
    from pathlib import Path

    from bma.assessments.models import VillageAssessment

    token = collect_token_issue(personas.enumerator)
    fixture = Path(__file__).parent.parent / "assessments" / "fixtures" / "b2_2026112202.xml"
    url = f"{live_server.url}/collect/key/{token.token}/submission"
    assert post_via_token(url, fixture.read_bytes()) == 201
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not VillageAssessment.objects.exists():
        time.sleep(0.2)
    assessment = VillageAssessment.objects.get()
    assert assessment.village.code == "V-ASH-0001" and assessment.households == 420


def _wait_for(condition, seconds=30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_submissions_queues_one_request_and_a_worker_processes_them_all(
    real_services, live_server, personas, b2_form, settings
):
    import redis

    from bma.submissions.processing_requests import REQUEST_KEY, _redis, processing_request_wait

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    _redis().delete(REQUEST_KEY)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE  # processing requests go to the processing queue
    queued_before = broker.llen(queue)
    token = collect_token_issue(personas.enumerator)
    url = f"{live_server.url}/collect/key/{token.token}/submission"
    for number in range(5):
        assert post_via_token(url, submission_xml(f"uuid:burst{number}")) == 201
    # No worker yet: one processing request is queued for the five, not five tasks (sent by the
    # server's hand-off thread, after the answers).
    assert processing_request_wait()
    assert broker.llen(queue) - queued_before == 1
    assert _redis().get(REQUEST_KEY) is not None


@pytest.fixture
def batches_of_five(monkeypatch):
    monkeypatch.setenv("BMA_PROCESSING_BATCH_SIZE", "5")  # read by the worker subprocess at start-up


@pytest.mark.django_db(transaction=True)
def test_a_worker_run_leaves_nothing_waiting_when_more_arrive_than_a_batch(
    batches_of_five, celery_worker_process, live_server, personas, b2_form
):
    token = collect_token_issue(personas.enumerator)
    url = f"{live_server.url}/collect/key/{token.token}/submission"
    for number in range(12):
        assert post_via_token(url, submission_xml(f"uuid:more{number}")) == 201
    _wait_for(lambda: not Submission.objects.exclude(state=ProcessingState.PROCESSED).exists())
    assert Submission.objects.filter(state=ProcessingState.PROCESSED).count() == 12


@pytest.mark.django_db(transaction=True)
def test_twelve_concurrent_requests_on_one_digest_nonce_each_pass_once(real_services, live_server, personas, b2_form):
    # Parallel uploads: one cached nonce, counts 1..12 sent at once, so PostgreSQL sees them in any
    # order and concurrently; every one passes, and each replayed afterwards is refused.
    url = f"{live_server.url}/collect/formList"
    device = DigestClient(None, "enumerator", TEST_PASSWORD)
    device.challenge = device.parse(requests.get(url, timeout=30).headers["WWW-Authenticate"])
    headers = [device.header("GET", "/collect/formList", nc=nc) for nc in range(12, 0, -1)]
    statuses, barrier = [], threading.Barrier(len(headers))

    def send(header):
        barrier.wait()
        statuses.append(requests.get(url, headers={"Authorization": header}, timeout=30).status_code)

    threads = [threading.Thread(target=send, args=[header]) for header in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * len(headers)
    assert {requests.get(url, headers={"Authorization": h}, timeout=30).status_code for h in headers} == {401}
