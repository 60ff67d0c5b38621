"""Thin Celery tasks: ids in, the pipeline service does the work. Queuing them again (the sweep) is done
here, where they are defined: this module imports the services, which never import it back."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from bma.pipeline import services

# How often, and after how long, a task whose submission is held by a claim that looks alive looks again.
HELD_RECHECKS = 2
HELD_RECHECK_SECONDS = 10


@shared_task(
    bind=True,
    name="bma.pipeline.tasks.submission_process",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def submission_process(self, submission_id: int) -> bool:
    # A transient error inside a batch is handled by the service (rows wait for a retry, counted in
    # `attempts`); what reaches this retry is a database that cannot even be told so.
    done = services.submission_process_and_continue(submission_id)
    # Held by a claim that looks alive? When Celery redelivers this task because the pool child running
    # it died, the dead child's database session may end a moment after the redelivery: look again
    # shortly rather than leave the row to the sweeper (claims.py).
    if (
        not done
        and not self.app.conf.task_always_eager
        and self.request.retries < HELD_RECHECKS
        and services.submission_claimed(submission_id)
    ):
        raise self.retry(countdown=HELD_RECHECK_SECONDS)
    return done


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
