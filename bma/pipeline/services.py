"""The one place that runs processing, in order: map -> validate -> refer.

Each step takes the stored Submission and must be idempotent (typed rows are upserted by the root
instance), so a submission can be processed again at any time: after a fix, or by
``reprocess_submissions``. Later steps are appended to PROCESSING_STEPS by their apps' issues.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

from bma.core.errors import BmaError, codes
from bma.submissions.models import PayloadFormat, Submission
from bma.submissions.services import (
    header_or_error,
    submission_claim,
    submission_mark_failed,
    submission_mark_processed,
    submission_release_stuck,
    submissions_waiting,
)

log = logging.getLogger(__name__)


def check_payload(submission: Submission) -> None:
    """The stored payload reads as what it claims to be and names a form version we hold."""
    if submission.payload_format == PayloadFormat.XML:
        header_or_error(submission.payload_bytes)
    if submission.form_version_id is None:
        raise BmaError(
            codes.FORM_VERSION_UNKNOWN,
            "The form version of this submission is not on this server; publish it, then reprocess.",
        )


PROCESSING_STEPS: list[Callable[[Submission], None]] = [check_payload]


def submission_process(submission_id: int) -> bool:
    """Process one stored submission. Returns False when another worker holds it or it is done."""
    if not submission_claim(submission_id):
        return False
    submission = Submission.objects.select_related("form", "form_version", "round").get(pk=submission_id)
    try:
        with transaction.atomic():
            for step in PROCESSING_STEPS:
                step(submission)
    except BmaError as exc:
        submission_mark_failed(submission_id, exc.message)
        return True
    except Exception as exc:
        log.exception("Processing submission %s failed", submission_id)
        submission_mark_failed(submission_id, f"{exc.__class__.__name__}: {exc}")
        raise
    submission_mark_processed(submission_id)
    return True


def submissions_sweep() -> list[int]:
    """Queue submissions that never reached a worker (broker down) or whose worker died."""
    from bma.pipeline.tasks import submission_process as task

    ids = submissions_waiting()
    for submission_id in ids:
        submission_release_stuck(submission_id)
        task.delay(submission_id)
    return ids


def submissions_reprocess(queryset) -> int:
    """Mark submissions for processing again and queue them."""
    from bma.pipeline.tasks import submission_process as task
    from bma.submissions.models import ProcessingState

    ids = list(queryset.values_list("pk", flat=True))
    Submission.objects.filter(pk__in=ids).exclude(state=ProcessingState.PROCESSING).update(
        state=ProcessingState.RECEIVED
    )
    for submission_id in ids:
        transaction.on_commit(lambda sid=submission_id: task.delay(sid))
    return len(ids)
