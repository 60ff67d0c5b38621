"""Separate queues (PostgreSQL, Redis, real workers): two long exports on the export worker leave the
processing worker free, and a submission sent meanwhile is processed while both are still running.

The exports are made long without a hook in the code: the test holds a lock on their two job rows
from a connection of its own, so each export task, once a worker has taken it, waits at its first
write until the test lets go. On one queue with two slots (as before) the submission's processing
would wait behind them."""

import time

import psycopg
import pytest
from django.db import connection

from bma.exports.models import ExportJob, ExportState
from bma.exports.report import round_figures
from bma.exports.tasks import export_job_run
from bma.submissions.models import ProcessingState, Submission
from bma.submissions.services import submission_receive
from tests.conftest import SUBMISSION_FIXTURES, _start_workers, _stop_workers
from tests.submissions.test_real_services import _wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]


def _exports_waiting_in_their_worker(cursor) -> int:
    cursor.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        " AND query LIKE 'UPDATE \"exports_exportjob\"%%'"
    )
    return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_long_exports_leave_the_processing_of_a_new_submission_free(real_services, personas, published_forms):
    round_ = personas.round
    jobs = [ExportJob.objects.create(round=round_, requested_by=personas.coordinator) for _ in range(2)]
    db = connection.settings_dict
    holder = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
        autocommit=False,
    )
    holder.execute("SELECT id FROM exports_exportjob WHERE id = ANY(%s) FOR UPDATE", [[j.pk for j in jobs]])
    workers = _start_workers(2, "exports", queues="exports") + _start_workers(1, "processing", queues="processing")
    try:
        for job in jobs:
            export_job_run.delay(job.pk)
        with connection.cursor() as cursor:
            _wait_for(lambda: _exports_waiting_in_their_worker(cursor) == 2, seconds=60)
            assert _exports_waiting_in_their_worker(cursor) == 2  # both export workers are busy with one each

        # The live figures before: kept in Redis, where the processing worker marks them out of date.
        assert round_figures(round_, include_unapproved=True)["communities"] == 0
        payload = (SUBMISSION_FIXTURES / "b2_2026112202.xml").read_bytes()
        sent = time.monotonic()
        submission = submission_receive(payload=payload, files=[], user=personas.enumerator).submission
        _wait_for(lambda: Submission.objects.get(pk=submission.pk).state == ProcessingState.PROCESSED, seconds=60)
        took = time.monotonic() - sent

        assert Submission.objects.get(pk=submission.pk).state == ProcessingState.PROCESSED
        with connection.cursor() as cursor:
            assert _exports_waiting_in_their_worker(cursor) == 2  # the exports are still running
        assert not ExportJob.objects.filter(state=ExportState.DONE).exists()
        assert round_figures(round_, include_unapproved=True)["communities"] == 1
        print(f"submission processed {took:.1f} s after it was received, both exports running")

        holder.rollback()  # the exports go on
        _wait_for(lambda: ExportJob.objects.filter(state=ExportState.DONE).count() == 2, seconds=120)
        assert ExportJob.objects.filter(state=ExportState.DONE).count() == 2
    finally:
        holder.close()
        _stop_workers(workers)
