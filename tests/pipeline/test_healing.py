"""Processing heals itself: transient database errors are retried with backoff up to a limit,
permanent ones fail at once with a reason a supervisor can act on, and rows left in processing by
a worker that died are released by the sweeper."""

import time

import psycopg
import pytest
from django.db import DataError, IntegrityError, OperationalError
from django.utils import timezone

from bma.assessments import models as m
from bma.core.db import transient_db_error
from bma.pipeline import services
from bma.pipeline.tasks import submissions_sweep
from bma.submissions.models import ProcessingState, Submission

pytestmark = pytest.mark.django_db


def _django_error(django_class, driver_error):
    """What Django raises: its own class, with the driver's error as the cause."""
    try:
        try:
            raise driver_error
        except Exception as exc:
            raise django_class(str(exc)) from exc
    except Exception as wrapped:
        return wrapped


@pytest.mark.parametrize(
    "error",
    [
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.CannotConnectNow("the database system is starting up"),
        psycopg.errors.TooManyConnections("too many clients"),
        psycopg.OperationalError("connection failed: Connection refused"),  # no SQLSTATE: no connection at all
    ],
)
def test_deadlocks_lost_connections_and_a_database_that_is_down_are_transient(error):
    assert transient_db_error(_django_error(OperationalError, error))


@pytest.mark.parametrize(
    ("django_class", "error"),
    [
        (IntegrityError, psycopg.errors.UniqueViolation("duplicate key")),
        (DataError, psycopg.errors.NumericValueOutOfRange("out of range")),
        (DataError, psycopg.DataError("4294967396 is out of range for a int4 column")),
    ],
)
def test_faults_in_the_data_are_not_transient(django_class, error):
    assert not transient_db_error(_django_error(django_class, error))


def test_a_mapping_error_is_not_transient():
    assert not transient_db_error(ValueError("district code 'X' is not in the gazetteer"))


@pytest.fixture
def deadlock_once(monkeypatch):
    """The batch's first after-store step fails `times` times with a deadlock, then works."""
    state = {"left": 1}

    def step(assessments):
        if state["left"] > 0:
            state["left"] -= 1
            raise _django_error(OperationalError, psycopg.errors.DeadlockDetected("deadlock detected"))

    monkeypatch.setattr(services, "AFTER_STORE_STEPS", [step, *services.AFTER_STORE_STEPS])
    return state


def _make_due(submission):
    Submission.objects.filter(pk=submission.pk).update(retry_at=timezone.now() - timezone.timedelta(seconds=1))


def test_a_deadlock_sends_the_submission_back_to_wait_and_the_sweeper_retries_it_when_due(
    receive, deadlock_once, settings
):
    submission = receive("b2_2026112202.xml")
    assert submission.state == ProcessingState.RECEIVED  # not failed: it will be tried again
    assert submission.attempts == 1 and submission.retry_at > timezone.now()
    assert "deadlock detected" in submission.last_error and "attempt 1 of" in submission.last_error
    assert not m.VillageAssessment.objects.exists()  # the batch was rolled back whole

    assert submissions_sweep() == []  # the retry is not due yet
    _make_due(submission)
    assert submissions_sweep() == [submission.pk]
    submission.refresh_from_db()
    assert submission.state == ProcessingState.PROCESSED and submission.attempts == 2
    assert submission.last_error == "" and submission.retry_at is None
    assert m.VillageAssessment.objects.count() == 1


def test_the_wait_doubles_after_each_transient_failure(settings):
    settings.BMA_PROCESSING_RETRY_SECONDS = 30
    assert [services.retry_delay(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_after_the_last_attempt_a_transient_failure_fails_with_the_reason(receive, deadlock_once, settings):
    settings.BMA_PROCESSING_MAX_ATTEMPTS = 3
    deadlock_once["left"] = 10
    submission = receive("b2_2026112202.xml")
    for _ in range(2):
        _make_due(submission)
        submissions_sweep()
    submission.refresh_from_db()
    assert submission.state == ProcessingState.FAILED and submission.attempts == 3
    assert "deadlock detected" in submission.last_error
    assert "tried 3 times and gave up" in submission.last_error
    assert submissions_sweep() == []  # failed rows wait for a person, not for the sweeper


def test_a_permanent_failure_fails_at_once_without_a_retry(receive):
    submission = receive("b2_2026112202.xml", {"<district>TJ-SU-ASH</district>": "<district>TJ-SU-NOPE</district>"})
    assert submission.state == ProcessingState.FAILED and submission.attempts == 1
    assert submission.retry_at is None
    assert "district code 'TJ-SU-NOPE' is not in the gazetteer" in submission.last_error


def test_an_unexpected_error_fails_with_what_went_wrong_and_what_to_do(receive, monkeypatch):
    def broken(assessments):
        raise KeyError("imw_total")

    monkeypatch.setattr(services, "AFTER_STORE_STEPS", [broken])
    submission = receive("b2_2026112202.xml")
    assert submission.state == ProcessingState.FAILED
    assert "KeyError" in submission.last_error and "imw_total" in submission.last_error
    assert "Process again" in submission.last_error


def test_a_bad_submission_in_a_batch_does_not_hold_back_the_others(receive, monkeypatch, tasks_in_process):
    from bma.pipeline.services import submissions_process_batch

    good = receive("b2_2026112202.xml")
    bad = receive("b2_2026112202.xml", {"uuid:342071ed-911c-4e50-9659-3f73b09c383c": "uuid:second"})
    Submission.objects.update(state=ProcessingState.RECEIVED)
    original = services.AFTER_STORE_STEPS

    def breaks_on_second(assessments):
        if any(a.submission_id == bad.pk for a in assessments):
            raise KeyError("boom")

    monkeypatch.setattr(services, "AFTER_STORE_STEPS", [breaks_on_second, *original])
    report = submissions_process_batch([good.pk, bad.pk])
    assert report.processed == [good.pk] and list(report.failed) == [bad.pk]


def test_a_claimed_submission_is_marked_processing_while_it_is_worked_on(receive, monkeypatch):
    seen = []

    def look(assessments):
        seen.extend(Submission.objects.filter(pk__in=[a.submission_id for a in assessments]).values_list("state"))

    monkeypatch.setattr(services, "AFTER_STORE_STEPS", [look, *services.AFTER_STORE_STEPS])
    submission = receive("b2_2026112202.xml")
    assert seen == [(ProcessingState.PROCESSING,)]
    assert submission.state == ProcessingState.PROCESSED


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: nothing in the worker gets to handle it."""


def test_a_worker_that_dies_mid_batch_leaves_the_row_processing_and_the_sweeper_releases_it_later(
    receive, monkeypatch, settings
):
    """SQLite: no claim locks (no separate worker process either), so the stuck timer is the way back.
    On PostgreSQL the claim is seen to be gone at once (the next test)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL sees a lost claim at once: test below")
    original = services.AFTER_STORE_STEPS

    def die(assessments):
        raise WorkerKilled

    monkeypatch.setattr(services, "AFTER_STORE_STEPS", [die])
    with pytest.raises(WorkerKilled):
        receive("b2_2026112202.xml")
    submission = Submission.objects.get()
    assert submission.state == ProcessingState.PROCESSING  # the claim was committed; the work was not
    assert not m.VillageAssessment.objects.exists()
    assert submissions_sweep() == []  # not yet: its worker may still be at it

    monkeypatch.setattr(services, "AFTER_STORE_STEPS", original)
    stuck_since = timezone.now() - timezone.timedelta(seconds=settings.BMA_PROCESSING_STUCK_SECONDS + 1)
    Submission.objects.update(claimed_at=stuck_since)
    assert submissions_sweep() == [submission.pk]
    submission.refresh_from_db()
    assert submission.state == ProcessingState.PROCESSED and m.VillageAssessment.objects.count() == 1


def test_rows_under_a_live_claim_are_left_alone_and_under_a_lost_claim_taken_up_at_once(receive, monkeypatch):
    """PostgreSQL: a claim lives as long as its worker's session holds the claim's advisory lock."""
    from django.db import connection

    from bma.pipeline.claims import CLAIM_LOCK_SPACE, claims_alive

    if connection.vendor != "postgresql":
        pytest.skip("claim locks are PostgreSQL's")

    def die(assessments):
        raise WorkerKilled

    with monkeypatch.context() as patch:
        patch.setattr(services, "AFTER_STORE_STEPS", [die])
        with pytest.raises(WorkerKilled):
            receive("b2_2026112202.xml")
    submission = Submission.objects.get()
    assert submission.state == ProcessingState.PROCESSING and submission.claimed_by
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as still_working:  # a worker session that still holds the claim: its rows are its own
        still_working.execute("SELECT pg_advisory_lock(%s, %s)", [CLAIM_LOCK_SPACE, submission.claim_token])
        assert services.submissions_release_orphaned() == []
        assert services.submission_process(submission.pk) is False  # not taken from a live worker
    # That session is gone (PostgreSQL ends it a moment after the client leaves): the next task (here
    # the one asked for the submission) takes it up at once.
    deadline = time.monotonic() + 30
    while claims_alive([submission.claim_token]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert services.submission_process(submission.pk) is True
    submission.refresh_from_db()
    assert submission.state == ProcessingState.PROCESSED and submission.attempts == 2
    assert submission.claim_token is None and submission.claimed_by == ""
    assert m.VillageAssessment.objects.count() == 1


def test_a_submission_that_kills_its_worker_every_time_fails_after_the_limit(receive, settings):
    settings.BMA_PROCESSING_MAX_ATTEMPTS = 2
    submission = receive("b2_2026112202.xml")
    long_ago = timezone.now() - timezone.timedelta(hours=2)
    Submission.objects.update(state=ProcessingState.PROCESSING, claimed_at=long_ago, attempts=2)
    submissions_sweep()
    submission.refresh_from_db()
    assert submission.state == ProcessingState.FAILED
    assert "stopped 2 times without finishing" in submission.last_error


def test_process_again_counts_attempts_afresh(receive, deadlock_once, settings, django_capture_on_commit_callbacks):
    from bma.submissions.services import submissions_requeue

    settings.BMA_PROCESSING_MAX_ATTEMPTS = 1
    submission = receive("b2_2026112202.xml")
    submission.refresh_from_db()
    assert submission.state == ProcessingState.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        assert submissions_requeue(Submission.objects.filter(pk=submission.pk)) == 1
    submission.refresh_from_db()
    assert submission.state == ProcessingState.PROCESSED and submission.attempts == 1


# --- A Kobo record stored before its source named our form version recovers on "Process again" -----


def _kobo_record_with_kobos_own_version(client, personas, published_forms, django_capture_on_commit_callbacks):
    import json
    from pathlib import Path

    from bma.submissions.models import KoboSource

    source = KoboSource.objects.create(name="Kobo B2", form=published_forms["bma_b2"].form)
    path = Path(__file__).parents[1] / "assessments" / "fixtures" / "kobo" / "b2_2026112202.json"
    record = json.loads(path.read_text())
    record["__version__"] = "vGqXKoboOwnId"  # Kobo's id for the version, not ours
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/kobo/{source.token}/", json.dumps(record), content_type="application/json")
    assert response.status_code == 201
    submission = Submission.objects.get()
    assert submission.state == ProcessingState.FAILED and "not on this server" in submission.last_error
    return source, submission


def _process_again_in_the_admin(client, personas, submission, django_capture_on_commit_callbacks):
    client.force_login(personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/submissions/submission/",
            {"action": "process_again", "_selected_action": [submission.pk]},
        )
    assert response.status_code == 302
    submission.refresh_from_db()
    return submission


def test_a_kobo_record_stored_before_its_source_named_our_version_is_processed_once_it_does(
    client, personas, published_forms, django_capture_on_commit_callbacks, tasks_in_process
):
    source, submission = _kobo_record_with_kobos_own_version(
        client, personas, published_forms, django_capture_on_commit_callbacks
    )
    source.form_version = published_forms["bma_b2"]
    source.save()
    submission = _process_again_in_the_admin(client, personas, submission, django_capture_on_commit_callbacks)
    assert submission.state == ProcessingState.PROCESSED, submission.last_error
    assert submission.form_version == published_forms["bma_b2"]
    assert m.VillageAssessment.objects.get(submission=submission).households == 420


def test_a_kobo_record_is_processed_once_the_version_it_names_is_published(
    client, personas, published_forms, built_forms, django_capture_on_commit_callbacks, tasks_in_process
):
    """A Kobo project built from a version of ours not yet published here: publishing it is the remedy."""
    import json
    from pathlib import Path

    from bma.submissions.models import KoboSource
    from bma.xforms.services import form_publish

    ours = published_forms["bma_b2"]
    source = KoboSource.objects.create(name="Kobo B2", form=ours.form)
    ours.delete()  # not published yet when the record comes
    record = (Path(__file__).parents[1] / "assessments" / "fixtures" / "kobo" / "b2_2026112202.json").read_text()
    assert json.loads(record)["__version__"] == "2026112202"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/kobo/{source.token}/", record, content_type="application/json").status_code == 201
    submission = Submission.objects.get()
    assert submission.state == ProcessingState.FAILED and "not on this server" in submission.last_error
    form_publish(next(b for b in built_forms.values() if b.form_id == "bma_b2"), b"")
    submission = _process_again_in_the_admin(client, personas, submission, django_capture_on_commit_callbacks)
    assert submission.state == ProcessingState.PROCESSED, submission.last_error
    assert submission.form_version.version == "2026112202"
    assert m.VillageAssessment.objects.filter(submission=submission).exists()


def test_kobo_sources_naming_different_versions_leave_the_record_failed_with_the_reason(
    client, personas, published_forms, django_capture_on_commit_callbacks, tasks_in_process
):
    from bma.submissions.models import KoboSource
    from bma.xforms.models import FormVersion

    source, submission = _kobo_record_with_kobos_own_version(
        client, personas, published_forms, django_capture_on_commit_callbacks
    )
    ours = published_forms["bma_b2"]
    other = FormVersion.objects.create(
        form=ours.form,
        version="2026112299",
        xlsform=b"",
        xlsform_sha256="",
        xml=ours.xml,
        xml_md5="",
        published_at=ours.published_at,
    )
    source.form_version = ours
    source.save()
    KoboSource.objects.create(name="Kobo B2, second project", form=ours.form, form_version=other)
    submission = _process_again_in_the_admin(client, personas, submission, django_capture_on_commit_callbacks)
    assert submission.state == ProcessingState.FAILED and submission.form_version is None
    assert "name different versions to read it as (2026112202, 2026112299)" in submission.last_error
