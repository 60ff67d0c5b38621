from celery import shared_task

from bma.assessments import retention

JOB = "beat: contacts-purge"


@shared_task(name="bma.assessments.tasks.contacts_purge")
def contacts_purge() -> int:
    """Rounds whose informants' contacts were removed on this run (0 when nothing was left to remove)."""
    return sum(result.removed_anything for result in retention.contacts_purge_due(job=JOB))
