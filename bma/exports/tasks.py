from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes
from bma.core.languages import LANGUAGE_CODES, user_language
from bma.core.roles import PERSONAL_DATA_PERMISSION
from bma.exports import publish_jobs, services
from bma.exports.models import ExportFormat, ExportJob


@shared_task(name="bma.exports.tasks.export_job_run", soft_time_limit=1800, time_limit=1900)
def export_job_run(job_id: int) -> int:
    return services.export_job_run(job_id).pk


@shared_task(name="bma.exports.tasks.exports_expire")
def exports_expire() -> int:
    return services.exports_expire()


@shared_task(name="bma.exports.tasks.round_personal_exports_delete")
def round_personal_exports_delete(round_id: int, dry_run: bool = False) -> int:
    """Called by the contacts purge (a layer below, so by name): see services.round_personal_exports_delete."""
    return services.round_personal_exports_delete(round_id, dry_run=dry_run)


@shared_task(name="bma.exports.tasks.publish_job_run", soft_time_limit=1800, time_limit=1900)
def publish_job_run(job_id: int) -> int:
    return publish_jobs.publish_job_run(job_id).pk


# Starting a job queues its task: here, where the task is defined, so services never import this module.
def export_job_start(
    *,
    round,
    user,
    format=ExportFormat.XLSX,
    include_unapproved=False,
    include_personal=False,
    hxl=False,
    language: str | None = None,
) -> ExportJob:
    """``language``: of the sheet names and the codebook; by default the requester's own choice, else
    the language of the request they asked in. The worker has no request, so the job keeps it."""
    if not language:
        language = user_language(user) or translation.get_language() or settings.LANGUAGE_CODE
    if language not in LANGUAGE_CODES:
        language = settings.LANGUAGE_CODE
    if include_personal and not user.has_perm(PERSONAL_DATA_PERMISSION):
        raise BmaError(
            codes.PERMISSION_DENIED, _("Exporting informants' personal data needs the personal-data permission.")
        )
    job = ExportJob.objects.create(
        round=round,
        format=ExportFormat(format),
        include_unapproved=include_unapproved,
        include_personal=include_personal,
        hxl=hxl,
        language=language,
        requested_by=user,
    )
    transaction.on_commit(lambda: export_job_run.delay(job.pk))
    return job
