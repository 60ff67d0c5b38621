"""Processing bookkeeping: which submissions to queue again, releasing those a dead worker left, and
"Process again". The pipeline app decides what processing means."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bma.submissions.models import ProcessingState, Submission
from bma.submissions.processing_requests import processing_request


def submissions_waiting(*, older_than_seconds: int = 60, stuck_after_seconds: int | None = None, limit: int = 500):
    """Ids the sweeper should (re)queue: waiting but never picked up, due for a retry after a
    transient failure, or claimed by a worker that died (still processing after the stuck time)."""
    now = timezone.now()
    stuck_after = settings.BMA_PROCESSING_STUCK_SECONDS if stuck_after_seconds is None else stuck_after_seconds
    received = Q(state=ProcessingState.RECEIVED)
    never_picked = received & Q(
        retry_at__isnull=True, created_at__lt=now - timezone.timedelta(seconds=older_than_seconds)
    )
    retry_due = received & Q(retry_at__lte=now)
    stuck = Q(state=ProcessingState.PROCESSING, claimed_at__lt=now - timezone.timedelta(seconds=stuck_after))
    return list(
        Submission.objects.filter(never_picked | retry_due | stuck)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def submission_release_stuck(submission_id: int, claim_token: int | None = None) -> None:
    """A row left in processing by a worker that died goes back to waiting, or fails once it has
    used up its attempts (a submission that kills its worker every time must not loop for ever)."""
    stuck = Submission.objects.filter(pk=submission_id, state=ProcessingState.PROCESSING)
    if claim_token is not None:  # only while that claim holds it: another worker may have taken it up since
        stuck = stuck.filter(claim_token=claim_token)
    stuck.filter(attempts__gte=settings.BMA_PROCESSING_MAX_ATTEMPTS).update(
        state=ProcessingState.FAILED,
        retry_at=None,
        claim_token=None,
        claimed_by="",
        last_error=(
            f"Processing stopped {settings.BMA_PROCESSING_MAX_ATTEMPTS} times without finishing (the worker was "
            "stopped or ran out of time or memory on this submission). Ask an administrator to look at the "
            "worker, then use 'Process again'."
        ),
    )
    stuck.update(state=ProcessingState.RECEIVED, claimed_at=None, retry_at=None, claim_token=None, claimed_by="")


def submissions_release_claims(tokens: list[int]) -> int:
    """The rows still processing under these claims, whose claimer is gone, back to waiting (or failed
    once out of attempts, as submission_release_stuck). Filtered by token, so a row another worker has
    taken up since is left alone."""
    rows = Submission.objects.filter(state=ProcessingState.PROCESSING, claim_token__in=tokens)
    count = 0
    for submission_id, token in rows.values_list("pk", "claim_token"):
        submission_release_stuck(submission_id, token)
        count += 1
    return count


def submissions_requeue(queryset) -> int:
    """Process these submissions again from the start: waiting, attempts counted afresh, and a
    processing request after commit. Rows a worker is processing right now are left to it."""
    ids = list(queryset.exclude(state=ProcessingState.PROCESSING).values_list("pk", flat=True))
    Submission.objects.filter(pk__in=ids).exclude(state=ProcessingState.PROCESSING).update(
        state=ProcessingState.RECEIVED, attempts=0, retry_at=None
    )
    if ids:
        # One request, after commit: a processing run takes every waiting row along.
        first = ids[0]
        transaction.on_commit(lambda: processing_request(first))
    return len(ids)
