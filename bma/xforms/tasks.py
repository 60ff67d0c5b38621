"""Thin Celery tasks of the form registry."""

from celery import shared_task

from bma.core.db import RETRY_ON_DATABASE_ERRORS
from bma.rounds.models import Round
from bma.xforms.services import list_files_refresh, round_forms_publish


@shared_task(name="bma.xforms.tasks.round_forms_publish", **RETRY_ON_DATABASE_ERRORS)
def round_forms_publish_task(round_id: int) -> str:
    """An opened round's list files and own B2 (its reference years); a no-op when both are current."""
    version, _ = round_forms_publish(Round.objects.get(pk=round_id))
    return version.version


@shared_task(name="bma.xforms.tasks.round_list_files_refresh", **RETRY_ON_DATABASE_ERRORS)
def round_list_files_refresh(round_id: int) -> list[str]:
    """Rebuild a round's list files after villages were added (enqueued on commit). Returns the changed."""
    changed = list_files_refresh(Round.objects.get(pk=round_id))
    return [filename for filename, was_changed in changed.items() if was_changed]
