from celery import shared_task

from bma.exports import publish_jobs, services


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
