"""Healing against real PostgreSQL and Redis: a connection killed mid-batch, two workers on
overlapping batches, and a failed run that must not hold back the next submission."""

import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from bma.assessments import models as am
from bma.pipeline import services
from bma.pipeline.tasks import submissions_sweep
from bma.submissions.models import ProcessingState, Submission
from bma.submissions.services import submissions_waiting

FIXTURE = Path(__file__).parent.parent / "assessments" / "fixtures" / "b2_2026112202.xml"
ROOT_ID = "uuid:342071ed-911c-4e50-9659-3f73b09c383c"


def _wait_for(condition, seconds=60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.2)


def _store(personas, instance_id: str, replace: dict | None = None) -> Submission:
    """A B2 through the real intake; processing is asked for after commit, as in production."""
    from bma.submissions.services import submission_receive

    payload = FIXTURE.read_text(encoding="utf-8").replace(ROOT_ID, instance_id)
    for old, new in (replace or {}).items():
        payload = payload.replace(old, new)
    return submission_receive(payload=payload.encode(), files=[], user=personas.enumerator).submission


def _other_connection():
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"], autocommit=True
    )


@pytest.mark.django_db(transaction=True)
def test_a_connection_killed_mid_batch_is_retried_not_failed(real_services, personas, published_forms, monkeypatch):
    """pg_terminate_backend on the worker's own session, between storing and the quality rules."""
    with monkeypatch.context() as patch:  # processed in-process below, not by a worker
        patch.setattr("bma.submissions.services.processing_request", lambda submission_id: None)
        submission = _store(personas, "uuid:killed")
    original = services.AFTER_STORE_STEPS
    killed = []

    def kill_my_session(assessments):
        if not killed:
            pid = connection.connection.info.backend_pid
            with _other_connection() as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
            killed.append(pid)

    monkeypatch.setattr(services, "AFTER_STORE_STEPS", [kill_my_session, *original])
    report = services.submissions_process_batch([submission.pk])
    assert report.retrying == [submission.pk] and killed
    submission.refresh_from_db()  # on a new connection: the retry bookkeeping did not need the dead one
    assert submission.state == ProcessingState.RECEIVED and submission.attempts == 1
    assert "terminating connection" in submission.last_error or "closed" in submission.last_error
    assert not am.VillageAssessment.objects.exists()

    Submission.objects.filter(pk=submission.pk).update(retry_at=timezone.now())
    assert submissions_waiting() == [submission.pk]  # what the sweeper queues
    assert services.submission_process(submission.pk)
    submission.refresh_from_db()
    assert submission.state == ProcessingState.PROCESSED and am.VillageAssessment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_good_submission_after_a_run_that_raised_is_processed_without_waiting_for_the_sweeper(
    real_services, personas, published_forms, monkeypatch, request
):
    from bma.pipeline.tasks import submission_process as task
    from bma.submissions.processing_requests import REQUEST_KEY, _redis, processing_request_wait

    _redis().delete(REQUEST_KEY)
    _empty_queue()
    bad = _store(personas, "uuid:bad")  # queues a request and sets the flag
    assert processing_request_wait()  # sent by the hand-off thread, not by intake itself
    assert _redis().get(REQUEST_KEY) is not None

    # The worker's run for it raises (here: the database went away as it started).
    def database_gone(*args, **kwargs):
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "submission_process", database_gone)
    with pytest.raises(psycopg.OperationalError):
        task.run(bad.pk)
    monkeypatch.undo()
    _empty_queue()  # that run consumed its request
    Submission.objects.filter(pk=bad.pk).update(state=ProcessingState.FAILED)

    good = _store(personas, "uuid:good", {"V-ASH-0001": "V-ASH-0002"})
    request.getfixturevalue("celery_worker_process")  # now a worker handles whatever is queued
    _wait_for(lambda: Submission.objects.get(pk=good.pk).state == ProcessingState.PROCESSED)
    assert Submission.objects.get(pk=good.pk).state == ProcessingState.PROCESSED


def _empty_queue() -> None:
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(*settings.BMA_CELERY_QUEUES, "unacked", "unacked_index")


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.fixture
def batches_of_two(monkeypatch):
    monkeypatch.setenv("BMA_PROCESSING_BATCH_SIZE", "2")  # read by the worker subprocesses at start-up


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_overlapping_batches_neither_deadlock_nor_collide(
    real_services, personas, published_forms, batches_of_two, request, monkeypatch
):
    """Two workers take batches that visit the same two villages in opposite orders (X then Y, Y then
    X). Without one lock order they deadlock, or both make their own visit the village's current one
    and the second breaks the one-current constraint (seen: 31 of 40 batches failed so). With the
    districts locked first, in sorted order, they queue, and every submission goes through on its
    first attempt."""
    # Stored with no request queued, so that the sweeper hands out one task per submission and
    # both workers take batches at the same time.
    start = timezone.now() - timezone.timedelta(hours=1)
    with monkeypatch.context() as patch:
        patch.setattr("bma.submissions.services.processing_request", lambda submission_id: None)
        for number in range(40):
            village = "V-ASH-0001" if number % 4 in (0, 3) else "V-ASH-0002"  # X Y | Y X | X Y | Y X ...
            submission = _store(
                personas, f"uuid:overlap-{number}", {"<village>V-ASH-0001</village>": f"<village>{village}</village>"}
            )
            # Batches are taken oldest first: consecutive pairs.
            Submission.objects.filter(pk=submission.pk).update(created_at=start + timezone.timedelta(seconds=number))
    assert set(Submission.objects.values_list("state", "attempts")) == {(ProcessingState.RECEIVED, 0)}
    _empty_queue()  # an earlier test's message would hand one worker a batch before the others queue
    before = _deadlocks()
    request.getfixturevalue("two_celery_workers")
    assert len(submissions_sweep()) == 40
    _wait_for(lambda: not Submission.objects.exclude(state=ProcessingState.PROCESSED).exists(), seconds=120)
    states = dict(Submission.objects.values_list("instance_id", "state"))
    assert set(states.values()) == {ProcessingState.PROCESSED}, states
    assert set(Submission.objects.values_list("attempts", flat=True)) == {1}  # nobody needed a retry
    assert am.VillageAssessment.objects.count() == 40
    assert _deadlocks() == before
    logs = [(Path(__file__).parents[2] / ".test-media" / f"worker{n}.log").read_text() for n in (1, 2)]
    assert not any("deadlock detected" in log for log in logs)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_has_its_submissions_processed_soon_after_it_restarts(
    real_services, personas, published_forms, monkeypatch
):
    """kill -9 of the worker while its batch is claimed (committed as processing) and half-way: the
    rows are not left in processing until the stuck timer (15 minutes); the restarted worker takes
    them up at once. The batch is held half-way by the district lock it waits for, taken here."""
    import os
    import signal

    from bma.core.db import advisory_lock_id
    from bma.pipeline.claims import claims_alive
    from bma.pipeline.tasks import submission_process as task
    from tests.conftest import _start_workers, _stop_workers

    with monkeypatch.context() as patch:  # no request queued at intake: the test hands out the one task
        patch.setattr("bma.submissions.services.processing_request", lambda submission_id: None)
        ids = [_store(personas, f"uuid:kill9-{number}").pk for number in range(5)]
    _empty_queue()
    with _other_connection() as blocker:
        blocker.execute("SELECT pg_advisory_lock(%s)", [advisory_lock_id("district:TJ-SU-ASH")])
        (worker,) = _start_workers(1, "killed-worker")
        try:
            task.delay(ids[0])
            _wait_for(lambda: Submission.objects.filter(state=ProcessingState.PROCESSING).count() == len(ids))
            assert Submission.objects.filter(state=ProcessingState.PROCESSING).count() == len(ids)
            tokens = set(Submission.objects.values_list("claim_token", flat=True))
            assert len(tokens) == 1 and claims_alive(tokens) == tokens
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            _stop_workers([worker])
    # The blocker's lock is gone: the dead worker's session finishes its statement, finds no client
    # and ends, and its claim with it.
    _wait_for(lambda: not claims_alive(tokens))
    assert not claims_alive(tokens)
    assert set(Submission.objects.values_list("state", flat=True)) == {ProcessingState.PROCESSING}

    restarted = _start_workers(1, "restarted-worker")
    try:
        _wait_for(lambda: not Submission.objects.exclude(state=ProcessingState.PROCESSED).exists(), seconds=90)
    finally:
        _stop_workers(restarted)
    assert dict(Submission.objects.values_list("pk", "state")) == dict.fromkeys(ids, ProcessingState.PROCESSED)
    assert set(Submission.objects.values_list("attempts", flat=True)) == {2}  # the lost claim counted
    assert am.VillageAssessment.objects.filter(submission_id__in=ids).exists()
