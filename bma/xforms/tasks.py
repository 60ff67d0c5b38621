"""Thin Celery tasks of the form registry."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from bma.rounds.models import Round
from bma.xforms.services import b2_publish_for_round


@shared_task(
    name="bma.xforms.tasks.round_b2_publish",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    max_retries=5,
)
def round_b2_publish(round_id: int) -> str:
    """Publish an opened round's own B2 (its reference years); a no-op when it is already published."""
    version, _ = b2_publish_for_round(Round.objects.get(pk=round_id))
    return version.version
