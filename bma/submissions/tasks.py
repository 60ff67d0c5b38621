"""Pulling from ODK Central and KoboToolbox: one task per source, and the beat job that starts them."""

from celery import shared_task

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
