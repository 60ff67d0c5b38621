"""Thin Celery tasks for the checks a coordinator starts."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError

from bma.rounds.models import Round
from bma.validation import services


@shared_task(
    name="bma.validation.tasks.quality_check_round",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=5,
)
def quality_check_round(round_id: int) -> int:
    return services.quality_check_round(Round.objects.get(pk=round_id))


@shared_task(name="bma.validation.tasks.spot_check_sample_draw")
def spot_check_sample_draw(round_id: int, share: float, min_per_district: int, seed: int | None, user_id: int | None):
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    sample = services.spot_check_sample_draw(
        Round.objects.get(pk=round_id), share=share, min_per_district=min_per_district, seed=seed, user=user
    )
    return sample.pk
