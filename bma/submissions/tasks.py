"""Pulling from ODK Central and KoboToolbox: one task per source, the beat job that starts them, and the
admin's "sync now". Queuing these tasks is done here, where they are defined, not in pulling.py: this
module imports pulling, so pulling never imports it back."""

from celery import shared_task
from django.db import transaction

from bma.submissions import pulling
from bma.submissions.models import PullSource
from bma.submissions.pull_clients import PullError


@shared_task(name="bma.submissions.tasks.pull_source_sync", bind=True, acks_late=True, max_retries=5)
def pull_source_sync(self, source_id: int) -> dict:
    source = PullSource.objects.select_related("form", "round", "submitted_as").get(pk=source_id)
    try:
        return dict(pulling.pull_source_sync(source))
    except PullError as exc:
        if exc.transient:
            # The source keeps its place (resume_url): the retry starts at the page that failed.
            raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
        return {"error": exc.message}


@shared_task(name="bma.submissions.tasks.pull_sources_sync_due")
def pull_sources_sync_due() -> int:
    due = pulling.pull_sources_due()
    for source_id in due:
        pull_source_sync.delay(source_id)
    return len(due)


def pull_sources_sync_start(queryset) -> int:
    """Ask the worker to sync these sources now (paused ones too: a person asked), after commit."""
    ids = list(queryset.values_list("pk", flat=True))
    for source_id in ids:
        transaction.on_commit(lambda source_id=source_id: pull_source_sync.delay(source_id))
    return len(ids)
