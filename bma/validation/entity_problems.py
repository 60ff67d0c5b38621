"""Entities the server refused, kept as records of their submission and said in the reader's language.

Processing hands over the blocks refused (bma.entities.services.BlockError, with Central's problem
codes), creations and updates alike: one record kind, so a supervisor finds every refused village in one
list. A submission processed again replaces its records, so a fixed problem goes away. An update held
for its branch and refused later (applied by another submission's processing or by the backlog sweep)
is added to its own submission's records.
"""

from __future__ import annotations

from django.db import transaction

from bma.entities.services import BlockError
from bma.geo.models import AdminArea
from bma.submissions.models import Submission
from bma.validation.models import EntityAction, EntityProblem


def _fields(e: BlockError) -> dict:
    return {
        "code": e.code,
        "action": EntityAction.UPDATE if e.update else EntityAction.CREATE,
        "dataset": e.dataset,
        "entity_id": e.entity_id[:255],
        "label": e.label[:400],
        "message": e.problem,
    }


def _district(submission) -> AdminArea | None:
    # The area the submission says: the list and its scoping follow it (a problem naming no area is seen
    # only by those who see every area).
    return AdminArea.objects.filter(code=submission.district_code).first() if submission.district_code else None


@transaction.atomic
def entity_problems_record(submission, errors: list[BlockError]) -> list[EntityProblem]:
    """Keep the refused entities of ``submission`` (replacing those of an earlier processing)."""
    EntityProblem.objects.filter(submission=submission).delete()
    if not errors:
        return []
    district = _district(submission)
    return EntityProblem.objects.bulk_create(
        EntityProblem(submission=submission, round_id=submission.round_id, district=district, row=e.row, **_fields(e))
        for e in errors
    )


@transaction.atomic
def entity_problems_add(errors: list[BlockError]) -> list[EntityProblem]:
    """Keep refused blocks of submissions other than the one being processed, each with the current
    submission of its chain (``BlockError.instance_id`` is the chain's root); one record per block."""
    kept = []
    for e in errors:
        submission = (
            Submission.objects.filter(root_instance_id=e.instance_id, is_current=True).order_by("-pk").first()
            if e.instance_id
            else None
        )
        if submission is None:  # its submission is gone: nothing to show it on
            continue
        problem, _created = EntityProblem.objects.update_or_create(
            submission=submission,
            row=e.row,
            defaults={"round_id": submission.round_id, "district": _district(submission), **_fields(e)},
        )
        kept.append(problem)
    return kept


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
