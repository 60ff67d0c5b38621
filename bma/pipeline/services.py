"""The one place that runs processing, in order: map -> validate -> refer.

Processing works on batches: a worker claims the submission it was asked for plus others waiting,
maps them, stores B2s with a fixed number of queries per batch, runs the after-store steps and marks
them, all in one transaction. Every step is idempotent (typed rows are upserted by the root
instance), so anything can be processed again: after a fix, or by ``reprocess_submissions``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from defusedxml.ElementTree import ParseError
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bma.assessments.mappers import B2Values, MappingError
from bma.assessments.models import SpotCheckVisit
from bma.assessments.services import STORES, store_b2_batch, submission_values
from bma.core.errors import BmaError, codes
from bma.referrals.models import PlanReason
from bma.referrals.services import plan_add, referrals_match
from bma.submissions.models import PayloadFormat, ProcessingState, Submission
from bma.submissions.processing_requests import processing_request, processing_request_clear
from bma.submissions.services import header_or_error, submission_release_stuck, submissions_waiting
from bma.validation.models import CheckOutcome
from bma.validation.services import quality_check, spot_check_compare

log = logging.getLogger(__name__)


def batch_size() -> int:
    return settings.BMA_PROCESSING_BATCH_SIZE


CLAIMABLE = (ProcessingState.RECEIVED, ProcessingState.FAILED)


# Steps that run on the assessments a batch stored (quality rules, referral matching). Each takes the
# list of stored assessments and must be idempotent.
def compare_spot_checks(assessments: list) -> None:
    """A major discrepancy puts the village back in the visit plan for re-assessment."""
    for visit in assessments:
        if isinstance(visit, SpotCheckVisit):
            assignment = spot_check_compare(visit)
            if assignment is not None and assignment.outcome == CheckOutcome.MAJOR:
                plan_add(visit.round_id, assignment.village, PlanReason.REASSESSMENT)


def match_referrals(assessments: list) -> None:
    referrals_match(assessments)


AFTER_STORE_STEPS: list[Callable[[list], None]] = [quality_check, compare_spot_checks, match_referrals]


def check_payload(submission: Submission) -> None:
    """The submission names a form version we hold (the payload itself is read by the mapper)."""
    if submission.form_version_id is None:
        raise BmaError(
            codes.FORM_VERSION_UNKNOWN,
            "The form version of this submission is not on this server; publish it, then reprocess.",
        )


@dataclass
class BatchReport:
    processed: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, BmaError):
        return exc.message
    return f"The submission could not be mapped: {exc}"


def _process_claimed(claimed: list[Submission]) -> BatchReport:
    report = BatchReport()
    b2_items, others = [], []
    for submission in claimed:
        try:
            check_payload(submission)
            # Only the current version of an edit chain is mapped: an old version must not undo its edit.
            values = submission_values(submission) if submission.is_current else None
            if values is None and submission.payload_format == PayloadFormat.XML:
                header_or_error(submission.payload_bytes)  # raw-only forms: at least the XML must read
        except (BmaError, MappingError, ParseError) as exc:
            report.failed[submission.pk] = _failure_message(exc)
            continue
        if isinstance(values, B2Values):
            b2_items.append((submission, values))
        elif values is not None:
            others.append((submission, values))
    assessments, errors = store_b2_batch(b2_items)
    report.failed.update(errors)
    for submission, values in others:
        try:
            with transaction.atomic():
                assessments.append(STORES[type(values)](submission, values))
        except MappingError as exc:
            report.failed[submission.pk] = _failure_message(exc)
    for step in AFTER_STORE_STEPS:
        step(assessments)
    report.processed = [s.pk for s in claimed if s.pk not in report.failed]
    return report


def _mark(report: BatchReport) -> None:
    now = timezone.now()
    Submission.objects.filter(pk__in=report.processed).update(
        state=ProcessingState.PROCESSED, processed_at=now, claimed_at=now, last_error=""
    )
    for submission_id, error in report.failed.items():
        Submission.objects.filter(pk=submission_id).update(
            state=ProcessingState.FAILED, last_error=error[:5000], attempts=F("attempts") + 1, claimed_at=now
        )


def submissions_process_batch(ids: list[int]) -> BatchReport:
    """Process these submissions (those still waiting; rows another worker holds are skipped).

    Claim, store and mark share one transaction: a worker killed mid-way leaves every row waiting
    for the next delivery or the sweeper. If the batch hits an unexpected error, each submission is
    retried alone so one bad row cannot hold the others back.
    """
    try:
        with transaction.atomic():
            claimed = list(
                Submission.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=ids, state__in=CLAIMABLE)
                .select_related("form", "form_version", "round", "submitted_by")
                # The XForm and XLSForm of the version (~100 KB) would come along with every row.
                .defer("form_version__xml", "form_version__xlsform")
            )
            if not claimed:
                return BatchReport()
            report = _process_claimed(claimed)
            _mark(report)
            return report
    except Exception:
        if len(ids) == 1:
            log.exception("Processing submission %s failed", ids[0])
            _mark(BatchReport(failed={ids[0]: "Processing failed unexpectedly; the error is in the worker log."}))
            raise
        log.exception("A batch of %d submissions failed; processing them one by one", len(ids))
        report = BatchReport()
        for submission_id in ids:
            try:
                single = submissions_process_batch([submission_id])
            except Exception:  # already marked failed and logged
                report.failed[submission_id] = "unexpected error"
                continue
            report.processed += single.processed
            report.failed.update(single.failed)
        return report


def submission_process(submission_id: int, *, with_waiting: bool = True) -> bool:
    """Process a submission, and while at it up to batch_size() - 1 others that are waiting.

    Returns False when the submission was not waiting (another worker has it, or it is done).
    """
    if not Submission.objects.filter(pk=submission_id, state__in=CLAIMABLE).exists():
        return False  # done already, often by an earlier batch that took it along
    ids = [submission_id]
    if with_waiting:
        ids += list(
            Submission.objects.filter(state=ProcessingState.RECEIVED)
            .exclude(pk=submission_id)
            .order_by("created_at")
            .values_list("pk", flat=True)[: batch_size() - 1]
        )
    report = submissions_process_batch(ids)
    return submission_id in report.processed or submission_id in report.failed


def submission_process_and_continue(submission_id: int) -> bool:
    """What the worker's task does: a run, then another request if submissions are still waiting.

    Intake queues at most one request at a time (processing_requests), so a run that leaves
    submissions behind (more than a batch, or ones committed while it ran) must ask again. The
    flag is cleared before the look, so nothing committed after the look is left without a request.
    Rows another worker holds are skipped by the look: that worker asks again after its own run.
    """
    done = submission_process(submission_id)
    processing_request_clear()
    with transaction.atomic():
        waiting = (
            Submission.objects.select_for_update(skip_locked=True)
            .filter(state=ProcessingState.RECEIVED)
            .order_by("created_at")
            .values_list("pk", flat=True)
            .first()
        )
    if waiting is not None:
        processing_request(waiting)
    return done


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
