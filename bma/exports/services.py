"""Export jobs: start, run in the worker with progress, download."""

from __future__ import annotations

import logging

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from bma.core.errors import BmaError, codes
from bma.exports.dataset import write_csv_zip, write_xlsx
from bma.exports.models import ExportFormat, ExportJob, ExportState

log = logging.getLogger(__name__)
PERSONAL_DATA_PERMISSION = "assessments.view_personal_data"


def export_job_start(
    *, round, user, format=ExportFormat.XLSX, include_unapproved=False, include_personal=False, hxl=False
) -> ExportJob:
    if include_personal and not user.has_perm(PERSONAL_DATA_PERMISSION):
        raise BmaError(
            codes.PERMISSION_DENIED, "Exporting informants' personal data needs the personal-data permission."
        )
    job = ExportJob.objects.create(
        round=round,
        format=ExportFormat(format),
        include_unapproved=include_unapproved,
        include_personal=include_personal,
        hxl=hxl,
        requested_by=user,
    )
    transaction.on_commit(lambda: import_string("bma.exports.tasks.export_job_run").delay(job.pk))
    return job


def export_job_run(job_id: int) -> ExportJob:
    job = ExportJob.objects.select_related("round").get(pk=job_id)
    if job.state == ExportState.DONE:
        return job
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, progress=0, error="")

    def progress(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(progress=int(100 * done / total))

    writer = write_xlsx if job.format == ExportFormat.XLSX else write_csv_zip
    suffix = "xlsx" if job.format == ExportFormat.XLSX else "zip"
    import tempfile

    try:
        with tempfile.TemporaryFile() as out:
            writer(
                out,
                job.round,
                include_unapproved=job.include_unapproved,
                include_personal=job.include_personal,
                hxl=job.hxl,
                progress=progress,
            )
            out.seek(0)
            job.file.save(f"bma-round-{job.round.number}-{job.pk}.{suffix}", File(out), save=False)
    except Exception as exc:
        log.exception("Export %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(state=ExportState.FAILED, error=f"{exc.__class__.__name__}: {exc}")
        raise
    job.state, job.progress, job.finished_at = ExportState.DONE, 100, timezone.now()
    job.save(update_fields=["file", "state", "progress", "finished_at", "updated_at"])
    return job


def export_job_visible_to(job: ExportJob, user) -> bool:
    from bma.rounds.roles import user_sees_everything

    return job.requested_by_id == user.pk or user_sees_everything(user)
