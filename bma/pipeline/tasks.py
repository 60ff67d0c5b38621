"""Thin Celery tasks: ids in, the pipeline service does the work. Queuing them again (the sweep) is done
here, where they are defined: this module imports the services, which never import it back."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from bma.pipeline import services


@shared_task(
    name="bma.pipeline.tasks.submission_process",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def submission_process(submission_id: int) -> bool:
    # A transient error inside a batch is handled by the service (rows wait for a retry, counted in
    # `attempts`); what reaches this retry is a database that cannot even be told so.
    return services.submission_process_and_continue(submission_id)


@shared_task(name="bma.pipeline.tasks.submissions_sweep")
def submissions_sweep() -> list[int]:
    """Queue what waits (services.submissions_sweep_due); the ids queued."""
    ids = services.submissions_sweep_due()
    for submission_id in ids:
        submission_process.delay(submission_id)
    return ids


@shared_task(name="bma.pipeline.tasks.submissions_recover", autoretry_for=(OperationalError, InterfaceError))
def submissions_recover() -> int:
    # Asked for by every worker as it starts (bma/celery.py): what a lost worker held is taken up again.
    return len(services.submissions_recover())
