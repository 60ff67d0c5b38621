"""Export jobs: run in the worker with progress, download. Starting one (it queues its task) is in tasks.py."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.base import File
from django.db.models import Q
from django.utils import timezone, translation

from bma.core.roles import PERSONAL_DATA_PERMISSION
from bma.exports.dataset import write_csv_zip, write_xlsx
from bma.exports.models import ExportDownload, ExportFormat, ExportJob, ExportState

log = logging.getLogger(__name__)


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
                language=job.language,
            )
            out.seek(0)
            job.file.save(f"bma-round-{job.round.number}-{job.pk}.{suffix}", File(out), save=False)
    except Exception as exc:
        log.exception("Export %s failed", job.pk)
        # The job's error is a record for the team: in the server's language, whoever's request ran it.
        with translation.override(settings.LANGUAGE_CODE):
            error = f"{exc.__class__.__name__}: {exc}"
        ExportJob.objects.filter(pk=job.pk).update(state=ExportState.FAILED, error=error)
        raise
    job.state, job.progress, job.finished_at = ExportState.DONE, 100, timezone.now()
    if job.include_personal:
        job.expires_at = job.finished_at + dt.timedelta(days=settings.BMA_PERSONAL_EXPORT_DAYS)
    job.save(update_fields=["file", "state", "progress", "finished_at", "expires_at", "updated_at"])
    return job


def export_job_visible_to(job: ExportJob, user) -> bool:
    """Who may see an export and download it, decided again at every download.

    Exports with personal data: only the person who asked for it (or an administrator), and only while
    they still hold the permission it needed. Others: the requester and coordinators.
    """
    from bma.core.roles import Role, user_has_role, user_sees_everything

    mine = job.requested_by_id is not None and job.requested_by_id == user.pk
    if job.include_personal:
        return (mine or user_has_role(user, Role.ADMINISTRATOR)) and user.has_perm(PERSONAL_DATA_PERMISSION)
    return mine or user_sees_everything(user)


def export_jobs_visible_to(user, jobs=None):
    """The exports a user may see in a list (see export_job_visible_to)."""
    from bma.core.roles import Role, user_has_role, user_sees_everything

    jobs = ExportJob.objects.all() if jobs is None else jobs
    mine = Q(requested_by_id=user.pk)
    personal = Q(include_personal=True)
    if user.has_perm(PERSONAL_DATA_PERMISSION):
        personal_allowed = Q() if user_has_role(user, Role.ADMINISTRATOR) else mine
    else:
        personal_allowed = Q(pk__in=[])
    others_allowed = Q() if user_sees_everything(user) else mine
    return jobs.filter((personal & personal_allowed) | (~personal & others_allowed))


def export_download_record(job: ExportJob, user, address: str | None) -> None:
    ExportDownload.objects.create(job=job, user=user, address=address or None)
    log.info("Export %s downloaded by %s from %s", job.pk, user.get_username(), address or "unknown address")


def exports_expire(now=None) -> int:
    """Delete the files of exports with personal data past their expiry; the job and its downloads stay."""
    now = now or timezone.now()
    expired = 0
    for job in ExportJob.objects.filter(state=ExportState.DONE, expires_at__lte=now):
        if job.file:
            job.file.delete(save=False)
        job.state, job.error = ExportState.EXPIRED, f"The file was deleted on {now:%Y-%m-%d} (personal data)."
        job.save(update_fields=["file", "state", "error", "updated_at"])
        expired += 1
    return expired


def round_personal_exports_delete(round_id: int, *, dry_run: bool = False, now=None) -> int:
    """Delete the files of a round's exports with personal data, when the retention job has purged the
    round's contacts (bma/assessments/retention.py): a file made before the purge still holds the
    informants' names, which must not outlive the purge until the export's own expiry. The job and its
    downloads stay, saying why the file went. Returns how many files went (or would go)."""
    now = now or timezone.now()
    jobs = ExportJob.objects.filter(round_id=round_id, include_personal=True, state=ExportState.DONE)
    if dry_run:
        return jobs.count()
    deleted = 0
    for job in jobs:
        if job.file:
            job.file.delete(save=False)
        job.state = ExportState.EXPIRED
        job.error = f"The file was deleted on {now:%Y-%m-%d}: the round's informant contacts were purged (retention)."
        job.save(update_fields=["file", "state", "error", "updated_at"])
        deleted += 1
    return deleted


FINISHED_STATES = {ExportState.DONE, ExportState.FAILED, ExportState.EXPIRED}


def export_job_progress(job: ExportJob) -> dict:
    """Where an export stands, as the export list's progress bar shows it and polls for it."""
    return {
        "id": job.pk,
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "progress": job.progress,
        "finished": job.state in FINISHED_STATES,
        "ready": job.state == ExportState.DONE and bool(job.file),
        "error": job.error[:200],
    }


def export_jobs_running(jobs) -> bool:
    """Whether any of these exports is still being built (the list then keeps itself up to date)."""
    return jobs.exclude(state__in=FINISHED_STATES).exists()
