from celery import shared_task
from django.db import transaction

from bma.assessments import counting, retention
from bma.assessments import models as m

JOB = "beat: contacts-purge"


@shared_task(name="bma.assessments.tasks.contacts_purge")
def contacts_purge() -> int:
    """Rounds whose informants' contacts were removed on this run (0 when nothing was left to remove)."""
    return sum(result.removed_anything for result in retention.contacts_purge_due(job=JOB))


@shared_task(name="bma.assessments.tasks.assessments_settle_roots")
def assessments_settle_roots(root_instance_ids: list[str]) -> int:
    """Settle again the villages of these submission chains (a deletion in Central was recorded)."""
    with transaction.atomic():
        visits = m.VillageAssessment.objects.filter(root_instance_id__in=root_instance_ids)
        counting.lock_districts(visits)
        ids = list(visits.values_list("pk", flat=True))
        counting.assessments_settle(ids)
    return len(ids)
