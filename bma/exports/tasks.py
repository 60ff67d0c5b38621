from celery import shared_task

from bma.exports import services


@shared_task(name="bma.exports.tasks.export_job_run", soft_time_limit=1800, time_limit=1900)
def export_job_run(job_id: int) -> int:
    return services.export_job_run(job_id).pk


@shared_task(name="bma.exports.tasks.exports_expire")
def exports_expire() -> int:
    return services.exports_expire()
