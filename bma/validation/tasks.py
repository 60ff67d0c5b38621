"""Thin Celery tasks for the checks a coordinator starts."""

from celery import shared_task

from bma.core.db import RETRY_ON_DATABASE_ERRORS
from bma.rounds.models import Round
from bma.validation import services


@shared_task(
    name="bma.validation.tasks.quality_check_round",
    **RETRY_ON_DATABASE_ERRORS,
)
def quality_check_round(round_id: int) -> int:
    return services.quality_check_round(Round.objects.get(pk=round_id))


@shared_task(
    name="bma.validation.tasks.spot_check_sample_fill",
    **RETRY_ON_DATABASE_ERRORS,
)
def spot_check_sample_fill(sample_id: int) -> int:
    # Redelivery (acks_late) or a retry runs this again: the service draws a sample once.
    return services.spot_check_sample_fill(sample_id).pk


@shared_task(
    name="bma.validation.tasks.villages_quality_recheck",
    **RETRY_ON_DATABASE_ERRORS,
)
def villages_quality_recheck(pairs: list[list[int]]) -> int:
    # Idempotent: the rules re-run on the villages' visits as they stand when the task runs.
    return services.villages_quality_recheck([tuple(p) for p in pairs])
