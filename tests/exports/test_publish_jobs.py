"""Publishing as a job: the publish button queues it, the page follows its progress, and shows the
version it made or why it made none; one job of a round at a time, and a job never publishes twice."""

import pytest
from django.db import IntegrityError

from bma.core.errors import BmaError, codes
from bma.exports import publishing
from bma.exports.models import PublishedReport, PublishJob, PublishState
from bma.exports.publish_jobs import publish_job_run, publish_job_start
from bma.submissions.models import ProcessingState, Submission
from tests.submissions.test_real_services import _wait_for

pytestmark = pytest.mark.django_db


def test_a_publish_runs_as_a_job_whose_progress_the_page_follows(
    client, departures, personas, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(personas.coordinator)
    base = f"/reports/rounds/{departures.number}/published/"
    seen = []
    render = publishing._document

    def document_watched(figures, points, cover, language):
        # While the PDFs are made, the page's progress endpoint tells how far the job is.
        job = PublishJob.objects.get(round=departures)
        seen.append(client.get(f"{base}jobs/{job.pk}/").json())
        return render(figures, points, cover, language)

    monkeypatch.setattr(publishing, "_document", document_watched)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{base}publish/", {"note": "For the donors"})
    assert response.status_code == 302

    job = PublishJob.objects.get(round=departures)
    report = PublishedReport.objects.get(round=departures)
    assert (job.state, job.progress, job.report, job.requested_by) == ("done", 100, report, personas.coordinator)
    assert (report.version, report.note, report.published_by) == (1, "For the donors", personas.coordinator)
    assert [s["state"] for s in seen] == ["running"] * 3
    percents = [s["progress"] for s in seen]
    assert percents == sorted(percents) and 0 < percents[0] < 100
    assert not any(s["finished"] for s in seen)
    done = client.get(f"{base}jobs/{job.pk}/").json()
    assert (done["finished"], done["version"], done["state_label"]) == (True, 1, "Published")
    page = client.get(base).content.decode()
    assert 'id="publish-job-version" href="#version-1"' in page and 'id="version-1"' in page
    assert "publish_progress.js" not in page  # nothing left to follow


def test_the_page_follows_a_running_job_and_offers_no_second_publish(client, departures, personas):
    client.force_login(personas.coordinator)
    base = f"/reports/rounds/{departures.number}/published/"
    client.post(f"{base}publish/", {"note": "first"})  # queued: its commit never comes in this test
    job = PublishJob.objects.get(round=departures)
    assert job.state == PublishState.QUEUED
    page = client.get(base).content.decode()
    assert "publish_progress.js" in page and f"jobs/{job.pk}/" in page
    assert 'id="publish"' not in page  # no second publish button while one runs
    assert '<meta http-equiv="refresh"' in page  # without the script, the page reloads itself


def test_a_second_publish_of_a_round_is_refused_while_one_is_queued_or_running(client, departures, personas):
    first = publish_job_start(departures, personas.coordinator, note="first")
    with pytest.raises(BmaError) as refused:
        publish_job_start(departures, personas.coordinator, note="second")
    assert refused.value.code == codes.REPORT_PUBLISH_CONFLICT
    assert "being published already" in str(refused.value.message)
    PublishJob.objects.filter(pk=first.pk).update(state=PublishState.RUNNING)
    with pytest.raises(IntegrityError):  # the database says so too, whoever writes the row
        PublishJob.objects.create(round=departures, requested_by=personas.coordinator)


def test_a_job_run_twice_publishes_once(departures, personas):
    job = publish_job_start(departures, personas.coordinator)
    assert publish_job_run(job.pk).state == PublishState.DONE
    assert publish_job_run(job.pk).state == PublishState.DONE  # a redelivered task finds it done
    assert PublishedReport.objects.filter(round=departures).count() == 1
    # A new publish with the same figures is refused at once (the gate), unless confirmed.
    with pytest.raises(BmaError) as refused:
        publish_job_start(departures, personas.coordinator)
    assert refused.value.code == codes.REPORT_PUBLISH_UNCHANGED
    again = publish_job_start(departures, personas.coordinator, confirm=True)
    assert publish_job_run(again.pk).report.version == 2


def test_the_gate_is_checked_again_in_the_job_and_a_refusal_is_shown(client, departures, personas):
    """Queued while the round was ready; a submission failed before the worker took the job."""
    job = publish_job_start(departures, personas.coordinator)
    Submission.objects.filter(round=departures, instance_id="uuid:panj").update(state=ProcessingState.FAILED)
    job = publish_job_run(job.pk)
    assert (job.state, job.error_code, job.report) == ("failed", codes.REPORT_NOT_READY.code, None)
    assert "Submissions waiting, processing or failed: 1" in job.error
    assert not PublishedReport.objects.exists()
    client.force_login(personas.coordinator)
    page = client.get(f"/reports/rounds/{departures.number}/published/").content.decode()
    assert 'id="publish-job-error"' in page and "Submissions waiting, processing or failed: 1" in page
    assert 'id="publish"' in page  # the coordinator can try again


def test_a_refusal_in_the_job_is_worded_in_the_requesters_language(departures, personas):
    from bma.core.languages import user_language_set

    user_language_set(personas.coordinator, "ru")
    job = publish_job_start(departures, personas.coordinator)
    Submission.objects.filter(round=departures, instance_id="uuid:panj").update(state=ProcessingState.FAILED)
    assert job.language == "ru"
    assert publish_job_run(job.pk).error.startswith("Раунд не готов к публикации:")


def test_a_job_lost_with_its_worker_gives_way_to_a_new_publish(departures, personas):
    import datetime as dt

    from django.utils import timezone

    lost = publish_job_start(departures, personas.coordinator)
    PublishJob.objects.filter(pk=lost.pk).update(
        state=PublishState.RUNNING, updated_at=timezone.now() - dt.timedelta(hours=2)
    )
    job = publish_job_start(departures, personas.coordinator)
    lost.refresh_from_db()
    assert lost.state == PublishState.FAILED and "nothing was published" in lost.error
    assert publish_job_run(job.pk).report.version == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_publish_job_runs_on_a_real_export_worker(departures, personas, client, request):
    """PostgreSQL and Redis: the job goes to the exports queue and a real worker serving it publishes."""
    request.getfixturevalue("real_services")
    from tests.conftest import _start_workers, _stop_workers

    client.force_login(personas.coordinator)
    base = f"/reports/rounds/{departures.number}/published/"
    workers = _start_workers(1, "exports", queues="exports")
    try:
        # The test's own eager setting (the submissions above ran in-process) is off: the broker carries it.
        from bma.celery import app

        app.conf.update(CELERY_TASK_ALWAYS_EAGER=False)
        assert client.post(f"{base}publish/", {"note": "via the worker"}).status_code == 302
        job = PublishJob.objects.get(round=departures)
        states = set()

        def finished():
            states.add(client.get(f"{base}jobs/{job.pk}/").json()["state"])
            return PublishJob.objects.filter(pk=job.pk, state__in=["done", "failed"]).exists()

        _wait_for(finished, seconds=180)
    finally:
        _stop_workers(workers)
    job.refresh_from_db()
    assert job.state == PublishState.DONE, job.error
    assert job.report.version == 1 and job.report.note == "via the worker"
    assert states <= {"queued", "running", "done"} and "done" in states
    assert PublishedReport.objects.filter(round=departures).count() == 1
