from celery import shared_task

from bma.assessments import counting, retention

JOB = "beat: contacts-purge"


@shared_task(name="bma.assessments.tasks.contacts_purge")
def contacts_purge() -> int:
    """Rounds whose informants' contacts were removed on this run (0 when nothing was left to remove)."""
    return sum(result.removed_anything for result in retention.contacts_purge_due(job=JOB))


@shared_task(name="bma.assessments.tasks.assessments_settle_roots")
def assessments_settle_roots(root_instance_ids: list[str]) -> int:
    """Settle again the villages of these submission chains (a deletion in Central was recorded)."""
    return counting.assessments_settle_chains(root_instance_ids)
