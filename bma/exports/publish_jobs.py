"""Publishing as a job: the coordinator's "publish" queues it, the export worker makes the version
(``report_publish``) with progress, and the published page shows how far it is, then the version or why
it failed. A version of a 100,000-village round takes minutes (the figures, a workbook and a PDF per
language), more than gunicorn gives a request.

The gate (blocking items without an override note, unchanged figures without a confirmation) is
checked when the job is queued, so the coordinator is told at once, and again in the job, since the
round may have moved in between. Two jobs for one round never both publish: one job of a round is
queued or running at a time (a database constraint), and the worker that runs it holds a lock on the
round that a redelivered copy of the task cannot take while the first is alive.
"""

from __future__ import annotations

import datetime as dt
import logging
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from bma.core.db import advisory_lock_id
from bma.core.errors import BmaError, codes
from bma.core.languages import LANGUAGE_CODES, user_language
from bma.core.task_names import task_named
from bma.exports.models import PUBLISH_ACTIVE_STATES, PublishJob, PublishState
from bma.exports.publishing import publish_gate_check, report_publish
from bma.exports.readiness import report_readiness
from bma.exports.report import previous_round_of, round_figures

log = logging.getLogger(__name__)

RUN_TASK = "bma.exports.tasks.publish_job_run"
# A job queued or running this long without a word of progress was lost (its worker and the task's
# redelivery both gone): a new "publish" then replaces it instead of waiting on it for ever. Longer
# than the task's time limit (bma/exports/tasks.py).
STALE_AFTER = dt.timedelta(minutes=40)


def publish_job_start(round_, user, *, note: str = "", override_note: str = "", confirm: bool = False) -> PublishJob:
    """Check the gate on the live figures, then queue the job. Refusals are raised (BmaError) at once."""
    override_note = override_note.strip()
    figures = round_figures(round_, previous_round=previous_round_of(round_))
    publish_gate_check(round_, figures, report_readiness(round_), override_note=override_note, confirm=confirm)
    language = user_language(user) or translation.get_language() or settings.LANGUAGE_CODE
    with transaction.atomic():
        _stale_jobs_fail(round_)
        try:
            with transaction.atomic():
                job = PublishJob.objects.create(
                    round=round_,
                    requested_by=user,
                    note=note,
                    override_note=override_note,
                    confirm=confirm,
                    language=language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE,
                )
        except IntegrityError as exc:
            raise BmaError(
                codes.REPORT_PUBLISH_CONFLICT,
                _("This round's report is being published already: wait for it to finish (its progress is shown)."),
            ) from exc
        transaction.on_commit(lambda: task_named(RUN_TASK).delay(job.pk))
    return job


def _stale_jobs_fail(round_) -> None:
    cutoff = timezone.now() - STALE_AFTER
    PublishJob.objects.filter(round=round_, state__in=PUBLISH_ACTIVE_STATES, updated_at__lt=cutoff).update(
        state=PublishState.FAILED,
        error=str(_("The job stopped without finishing (its worker was lost); nothing was published.")),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def publish_job_run(job_id: int) -> PublishJob:
    """Make the version (in the worker). A job already finished, or running in a live worker, is left be."""
    job = PublishJob.objects.select_related("round", "requested_by").get(pk=job_id)
    if job.state not in PUBLISH_ACTIVE_STATES:
        return job
    with _round_lock(job.round_id) as locked:
        if not locked:
            log.info("Publish job %s is being run by another worker", job.pk)
            return job
        job.refresh_from_db()
        if job.state not in PUBLISH_ACTIVE_STATES:
            return job
        _update(job, state=PublishState.RUNNING, progress=0)
        try:
            if job.requested_by is None:
                raise BmaError(
                    codes.PERMISSION_DENIED, _("The person who asked for this version no longer has an account.")
                )
            report_publish(
                job.round,
                job.requested_by,
                note=job.note,
                override_note=job.override_note,
                confirm=job.confirm,
                progress=lambda percent: _update(job, progress=percent),
                saved=lambda report: _update(
                    job, state=PublishState.DONE, progress=100, report=report, finished_at=timezone.now()
                ),
            )
        except BmaError as exc:
            # A refusal (the round moved since the job was queued): the coordinator reads why, in their language.
            with translation.override(job.language):
                _update(
                    job,
                    state=PublishState.FAILED,
                    error_code=exc.code.code,
                    error=str(exc.message),
                    finished_at=timezone.now(),
                )
        except Exception as exc:
            log.exception("Publish job %s failed", job.pk)
            with translation.override(job.language):
                error = str(
                    _("Publishing failed on the server (%(error)s); nothing was published.")
                    % {"error": exc.__class__.__name__}
                )
            _update(job, state=PublishState.FAILED, error=error, finished_at=timezone.now())
            raise
    job.refresh_from_db()
    return job


def _update(job: PublishJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    PublishJob.objects.filter(pk=job.pk).update(**fields, updated_at=timezone.now())


@contextmanager
def _round_lock(round_id: int):
    """A session lock on publishing this round, held while the job runs: released when the worker's
    connection ends, so a task redelivered after its worker died takes the job up again, and one
    redelivered while the first still runs does not. PostgreSQL; SQLite has one process (always taken)."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = advisory_lock_id(f"publish:round:{round_id}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        locked = cursor.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def publish_job_progress(job: PublishJob) -> dict:
    """Where a publication stands, as the published page shows it and polls for it."""
    return {
        "id": job.pk,
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "progress": job.progress,
        "finished": job.state not in PUBLISH_ACTIVE_STATES,
        "version": job.report.version if job.report_id else None,
        "error": job.error,
    }


def publish_job_latest(round_) -> PublishJob | None:
    return PublishJob.objects.filter(round=round_).select_related("report").order_by("-created_at", "-pk").first()
