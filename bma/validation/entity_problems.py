"""Entities the server refused, kept as records of their submission and said in the reader's language.

Processing hands over the blocks refused (bma.entities.services.BlockError, with Central's problem
codes); a submission processed again replaces its records, so a fixed problem goes away.
"""

from __future__ import annotations

from django.db import transaction

from bma.entities.services import BlockError
from bma.geo.models import AdminArea
from bma.validation.models import EntityProblem


@transaction.atomic
def entity_problems_record(submission, errors: list[BlockError]) -> list[EntityProblem]:
    """Keep the refused entities of ``submission`` (replacing those of an earlier processing)."""
    EntityProblem.objects.filter(submission=submission).delete()
    if not errors:
        return []
    district = AdminArea.objects.filter(code=submission.district_code).first() if submission.district_code else None
    return EntityProblem.objects.bulk_create(
        EntityProblem(
            submission=submission,
            round_id=submission.round_id,
            district=district,
            code=e.code,
            row=e.row,
            dataset=e.dataset,
            entity_id=e.entity_id[:255],
            label=e.label[:400],
            message=e.problem,
        )
        for e in errors
    )


def assessment_urls(problems) -> dict[int, str]:
    """{submission pk: the desk page of the assessment its chain made}, for a page of problems (two
    queries). A form with no assessment (a plain registration form) has no page: absent."""
    from django.urls import reverse

    from bma.assessments.models import DistrictAssessment, VillageAssessment

    roots = {p.submission.root_instance_id: p.submission_id for p in problems}
    urls = {}
    for model in (VillageAssessment, DistrictAssessment):
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}_change"
        for pk, root in model.objects.filter(root_instance_id__in=roots).values_list("pk", "root_instance_id"):
            urls[roots[root]] = reverse(name, args=[pk])
    return urls
