"""The one place that runs processing, in order: map -> validate -> refer.

Processing works on batches: a worker claims the submission it was asked for plus others waiting
(committed at once: they show as processing), then maps them, takes its districts' locks in sorted
order, stores B2s with a fixed number of queries per batch, runs the after-store steps and marks
them, all in one transaction. A transient database error sends the batch back to wait for a retry
with backoff; a permanent one fails the submission with the reason. Every step is idempotent (typed
rows are upserted by the root instance), so anything can be processed again: after a fix, or by
``reprocess_submissions``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from defusedxml.ElementTree import ParseError
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from bma.assessments.mappers import B2Values, MappingError
from bma.assessments.models import SpotCheckVisit
from bma.assessments.services import STORES, store_b2_batch, submission_values
from bma.core.db import advisory_locks, transient_db_error
from bma.core.errors import BmaError, codes
from bma.core.heartbeats import SWEEP, heartbeat_record
from bma.entities.services import form_has_entities, submission_entities_create
from bma.entities.updates import entity_backlog_sweep, submission_entities_update
from bma.pipeline.claims import claim_session, claimer_name, claims_alive
from bma.referrals.entities import referral_entities_follow
from bma.referrals.models import PlanReason
from bma.referrals.services import plan_add, referrals_match
from bma.submissions.models import PayloadFormat, ProcessingState, Submission
from bma.submissions.processing_requests import (
    processing_in_process,
    processing_request_clear,
    processing_request_now,
    processing_retry,
)
from bma.submissions.services import (
    header_or_error,
    submission_release_stuck,
    submission_version_resolve,
    submissions_release_claims,
    submissions_requeue,
    submissions_waiting,
)
from bma.validation.entity_problems import entity_problems_add, entity_problems_record
from bma.validation.services import quality_check_stored, spot_check_compare
from bma.xforms.models import FormVersion

log = logging.getLogger(__name__)


def batch_size() -> int:
    return settings.BMA_PROCESSING_BATCH_SIZE


# Steps that run on the assessments a batch stored (quality rules, referral matching). Each takes the
# list of stored assessments and must be idempotent.
def compare_spot_checks(assessments: list) -> None:
    """A major discrepancy found by a visit puts the village back in the visit plan for re-assessment,
    once: a replay of the same visit does not put a village assessed again since back in the plan."""
    for visit in assessments:
        if isinstance(visit, SpotCheckVisit):
            assignment, newly_major = spot_check_compare(visit)
            if newly_major:
                plan_add(visit.round_id, assignment.village, PlanReason.REASSESSMENT)


def match_referrals(assessments: list) -> None:
    referrals_match(assessments)


AFTER_STORE_STEPS: list[Callable[[list], None]] = [quality_check_stored, compare_spot_checks, match_referrals]


# Whether a form version was built with entities (creates or updates them), by its XML's MD5 (versions
# are immutable): the batch's rows come without their XForm (~100 KB, deferred), and most forms have
# none, so neither the XML nor a search through it is paid per submission.
_WITH_ENTITIES_BY_XML_MD5: dict[str, bool] = {}


def _entity_forms(versions) -> dict[int, str]:
    """{form version id: XForm} of those of these versions built with entities, which create or update
    them (each XML searched once per process)."""
    unknown = {v.pk for v in versions if v.xml_md5 not in _WITH_ENTITIES_BY_XML_MD5}
    for md5, xml in FormVersion.objects.filter(pk__in=unknown).values_list("xml_md5", "xml") if unknown else ():
        _WITH_ENTITIES_BY_XML_MD5[md5] = form_has_entities(xml)
    with_entities = [v.pk for v in versions if _WITH_ENTITIES_BY_XML_MD5.get(v.xml_md5)]
    return dict(FormVersion.objects.filter(pk__in=with_entities).values_list("pk", "xml")) if with_entities else {}


def create_entities(submissions: list[Submission]) -> None:
    """The entities a submission's form creates (a B2's referred villages), as provisional entities.

    As on Central, an entity the server refuses (an empty label, an id already used) fails neither the
    submission nor the batch; unlike Central, which only writes it to an audit log, it is kept as the
    submission's entity problem, shown on the desk, as are its refused updates (one record kind).
    Entities whose referral matching already decided (a clear name) follow the decision at once
    (bma/referrals/entities.py).
    """
    submissions = [s for s in submissions if s.is_current and s.payload_format == PayloadFormat.XML and s.form_version]
    xforms = _entity_forms({s.form_version_id: s.form_version for s in submissions}.values())
    roots = []
    for submission in submissions:
        xform = xforms.get(submission.form_version_id)
        if xform is None:
            continue
        _created, errors = submission_entities_create(xform, submission.payload_bytes, submission.root_instance_id)
        refused_updates = update_entities(submission, xform)
        own = [e for e in refused_updates if e.instance_id == submission.root_instance_id]
        entity_problems_record(submission, errors + own)
        # Held updates of other submissions that this one's update let through, and were refused.
        entity_problems_add([e for e in refused_updates if e.instance_id != submission.root_instance_id])
        roots.append(submission.root_instance_id)
    referral_entities_follow(roots)


def update_entities(submission: Submission, xform: str) -> list:
    """The entity updates a submission's form makes (a spot check's village visited), as Central applies
    them: versions, branches, conflicts (bma/entities/updates.py). Keyed by the edit chain's root, so an
    edit or a reprocessing applies nothing twice; refused updates are returned (BlockErrors, each with
    its submission) to be kept as entity problems, never raised."""
    report = submission_entities_update(xform, submission.payload_bytes, submission.root_instance_id)
    for error in report.errors:
        log.warning("Entity update refused in %s: %s %s", submission.instance_id, error.code, error.problem)
    return report.errors


def check_payload(submission: Submission) -> None:
    """The submission names a form version we hold (the payload itself is read by the mapper).

    Looked up again each time: a version published, or set on its Kobo source, since the record was
    stored is found here, so "Process again" is the remedy for an unknown version.
    """
    if submission_version_resolve(submission) is None:
        raise BmaError(
            codes.FORM_VERSION_UNKNOWN,
            _("The form version of this submission is not on this server; publish it, then reprocess."),
        )


@dataclass
class BatchReport:
    processed: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    retrying: list[int] = field(default_factory=list)  # transient failure: waiting again, retry scheduled


def _recorded(message) -> str:
    """A submission's failure is a record kept on the row: worded in the server's language (English),
    whoever's request ran the processing ("Process again" in a Russian desk runs it in that request)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message)


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, BmaError):
        return _recorded(exc.message)
    with translation.override(settings.LANGUAGE_CODE):  # the mapper's own words are a record too
        return f"The submission could not be mapped: {exc}"


def _unexpected_message(exc: Exception) -> str:
    """A fault in the server, not in the data: say so, and say what the supervisor can do."""
    return (
        f"Processing stopped on an unexpected error ({type(exc).__name__}: {str(exc)[:500]}). "
        "This is a fault in the server, not in the submission: tell an administrator (the details are in "
        "the worker log), and use 'Process again' once it is fixed. The submission itself is stored safely."
    )


def _transient_message(exc: Exception) -> str:
    return f"The database was not available or was busy ({type(exc).__name__}: {str(exc).strip()[:300]})"


def _lock_keys(claimed: list[Submission], values_by_id: dict[int, object]) -> set[str]:
    """The districts a batch may write in: its submissions' own and those their referrals name."""
    keys = set()
    for submission in claimed:
        values = values_by_id.get(submission.pk)
        location = getattr(values, "location", None)
        for code in (submission.district_code, getattr(location, "district_code", "")):
            if code:
                keys.add(f"district:{code}")
        for referral in getattr(values, "referrals", ()) or ():
            if referral.district_code:
                keys.add(f"district:{referral.district_code}")
    return keys


def _process_claimed(claimed: list[Submission]) -> BatchReport:
    report = BatchReport()
    mapped = []
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
        mapped.append((submission, values))
    # One lock order for every worker: the districts first, sorted, then whatever rows the steps touch.
    advisory_locks(_lock_keys(claimed, {s.pk: v for s, v in mapped}))
    b2_items, others = [], []
    for submission, values in mapped:
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
    create_entities([s for s, _values in mapped if s.pk not in report.failed])
    report.processed = [s.pk for s in claimed if s.pk not in report.failed]
    return report


def _mark(report: BatchReport, token: int) -> None:
    """Only rows still under this claim: a worker that lost its session may have been overtaken."""
    now = timezone.now()
    mine = Submission.objects.filter(state=ProcessingState.PROCESSING, claim_token=token)
    done = {"claim_token": None, "claimed_by": "", "retry_at": None}
    mine.filter(pk__in=report.processed).update(
        state=ProcessingState.PROCESSED, processed_at=now, last_error="", **done
    )
    for submission_id, error in report.failed.items():
        mine.filter(pk=submission_id).update(state=ProcessingState.FAILED, last_error=error[:5000], **done)


def due_for_processing(now=None) -> Q:
    """Waiting rows whose processing may run now: never tried, or their retry time has come."""
    return Q(retry_at__isnull=True) | Q(retry_at__lte=now or timezone.now())


def submissions_claim(ids: list[int], token: int) -> list[int]:
    """Mark these submissions as processing, under this claim token, in a transaction of its own.

    Only waiting rows whose retry (if any) is due are taken; rows another worker is claiming at this
    moment are skipped, not waited for. Committed at once, so the state is visible while the work
    runs. The caller's session holds the token's advisory lock (claims.claim_session): a worker that
    dies leaves its rows in processing under a token nobody holds, and they are released at once
    (submissions_release_orphaned). Each claim counts as an attempt.
    """
    with transaction.atomic():
        claimed = list(
            Submission.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, state=ProcessingState.RECEIVED)
            .filter(due_for_processing())
            .order_by("pk")  # one lock order, as everywhere
            .values_list("pk", flat=True)
        )
        Submission.objects.filter(pk__in=claimed).update(
            state=ProcessingState.PROCESSING,
            claimed_at=timezone.now(),
            claim_token=token,
            claimed_by=claimer_name(),
            attempts=F("attempts") + 1,
        )
    return claimed


def retry_delay(attempts: int) -> int:
    """Seconds to wait after the given number of attempts: doubling from BMA_PROCESSING_RETRY_SECONDS."""
    return settings.BMA_PROCESSING_RETRY_SECONDS * 2 ** max(0, attempts - 1)


def submissions_retry_later(ids: list[int], exc: Exception, token: int) -> dict[int, str]:
    """After a transient failure: back to waiting with a retry time, or failed once out of attempts.

    Returns {id: reason} of those that failed for good.
    """
    limit = settings.BMA_PROCESSING_MAX_ATTEMPTS
    reason = _transient_message(exc)
    now = timezone.now()
    given_up: dict[int, str] = {}
    with transaction.atomic():
        mine = Submission.objects.filter(state=ProcessingState.PROCESSING, claim_token=token)
        released = {"claim_token": None, "claimed_by": ""}
        for submission_id, attempts in mine.filter(pk__in=ids).values_list("pk", "attempts"):
            if attempts >= limit:
                given_up[submission_id] = (
                    f"{reason}; tried {attempts} times and gave up. Use 'Process again' when the database is back."
                )
                mine.filter(pk=submission_id).update(
                    state=ProcessingState.FAILED, last_error=given_up[submission_id], retry_at=None, **released
                )
            else:
                delay = retry_delay(attempts)
                mine.filter(pk=submission_id).update(
                    state=ProcessingState.RECEIVED,
                    retry_at=now + timezone.timedelta(seconds=delay),
                    last_error=f"{reason}; attempt {attempts} of {limit}, trying again in {delay} s.",
                    **released,
                )
    return given_up


def _run_claimed(ids: list[int], token: int) -> BatchReport:
    """Map, store and mark claimed submissions in one transaction (rolled back whole on an error)."""
    with transaction.atomic():
        claimed = list(
            Submission.objects.filter(pk__in=ids, state=ProcessingState.PROCESSING, claim_token=token)
            .select_related("form", "form_version", "round", "submitted_by")
            # The XForm and XLSForm of the version (~100 KB) would come along with every row.
            .defer("form_version__xml", "form_version__xlsform")
            .order_by("pk")
        )
        report = _process_claimed(claimed)
        _mark(report, token)
        return report


def _process_ids(ids: list[int], token: int) -> BatchReport:
    try:
        return _run_claimed(ids, token)
    except Exception as exc:
        if transient_db_error(exc):
            # A lost connection stays broken until closed; closed, the next query connects afresh.
            if not connection.in_atomic_block and connection.errors_occurred and not connection.is_usable():
                connection.close()
            log.warning("Processing %d submissions hit a transient database error (%s); retrying later", len(ids), exc)
            given_up = submissions_retry_later(ids, exc, token)  # if the database is down this raises: the task retries
            return BatchReport(failed=given_up, retrying=[i for i in ids if i not in given_up])
        if len(ids) == 1:
            log.exception("Processing submission %s failed", ids[0])
            # A BmaError is a fault in the data or settings, said in words (e.g. the round's thresholds).
            message = _recorded(exc.message) if isinstance(exc, BmaError) else _unexpected_message(exc)
            report = BatchReport(failed={ids[0]: message})
            _mark(report, token)
            return report
        # An unexpected error in a batch: each submission alone, so one bad row cannot hold the others back.
        log.exception("A batch of %d submissions failed; processing them one by one", len(ids))
        report = BatchReport()
        for submission_id in ids:
            single = _process_ids([submission_id], token)
            report.processed += single.processed
            report.failed.update(single.failed)
            report.retrying += single.retrying
        return report


def submissions_process_batch(ids: list[int]) -> BatchReport:
    """Process these submissions (those waiting and due; rows another worker holds are skipped).

    The claim commits first (state processing); mapping, storing and marking then share one
    transaction, so a worker killed mid-way stores nothing and leaves its rows in processing under a
    claim nobody holds any more: the next processing task or sweep takes them up again (claims.py).
    A transient database error (deadlock, lost connection) sends the rows
    back to waiting with a retry time, up to BMA_PROCESSING_MAX_ATTEMPTS; a permanent one (mapping,
    unknown form version, a fault in the code) fails the submission at once with the reason.
    """
    with claim_session() as token:
        claimed = submissions_claim(ids, token)
        if not claimed:
            return BatchReport()
        report = _process_ids(claimed, token)
    if report.retrying:
        _retry_soon(report.retrying)
    return report


def _retry_soon(ids: list[int]) -> None:
    """Ask for the retry when it is due; the sweeper catches it too if this request is lost. Asked like
    every other request to process, through submissions/processing_requests.py, which names the task."""
    if processing_in_process():
        return  # in-process tasks would run now, before the retry is due: the sweeper takes them
    submission_id = ids[0]
    attempts = Submission.objects.filter(pk=submission_id).values_list("attempts", flat=True).first() or 1
    try:
        processing_retry(submission_id, retry_delay(attempts))
    except Exception as exc:  # broker down: the sweeper finds the row when its retry is due
        log.warning("Could not schedule the retry of submission %s (%s)", submission_id, exc)


def submission_process(submission_id: int, *, with_waiting: bool = True) -> bool:
    """Process a submission, and while at it up to batch_size() - 1 others that are waiting.

    Returns False when the submission was not waiting (another worker has it, it is done, or its
    retry is not due yet). Rows whose claimer died are released first: a task Celery redelivers
    after its worker was lost finds its own submission waiting again, not skipped as processing.
    """
    submissions_release_orphaned()
    if (
        not Submission.objects.filter(pk=submission_id, state=ProcessingState.RECEIVED)
        .filter(due_for_processing())
        .exists()
    ):
        return False  # done already, often by an earlier batch that took it along
    ids = [submission_id]
    if with_waiting:
        ids += list(
            Submission.objects.filter(state=ProcessingState.RECEIVED)
            .filter(due_for_processing())
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
    try:
        done = submission_process(submission_id)
    finally:
        # Also when processing raised (the database went away): a request left flagged would hold
        # back every submission sent until the flag expires, and the next one waited for the sweeper.
        processing_request_clear()
    with transaction.atomic():
        waiting = (
            Submission.objects.select_for_update(skip_locked=True)
            .filter(state=ProcessingState.RECEIVED)
            .filter(due_for_processing())
            .order_by("created_at")
            .values_list("pk", flat=True)
            .first()
        )
    if waiting is not None:
        processing_request_now(waiting)  # the worker is not an intake request: it may wait on the broker
    return done


def submission_claimed(submission_id: int) -> bool:
    return Submission.objects.filter(pk=submission_id, state=ProcessingState.PROCESSING).exists()


def submissions_release_orphaned() -> list[int]:
    """Rows left in processing by a claimer whose database session is gone (worker killed, pool child
    lost, connection cut, database restarted) go back to waiting at once, or fail once out of
    attempts. Rows claimed before claim tokens existed are left to the stuck timer."""
    held = dict(
        Submission.objects.filter(state=ProcessingState.PROCESSING, claim_token__isnull=False).values_list(
            "pk", "claim_token"
        )
    )
    if not held:
        return []
    orphaned = set(held.values()) - claims_alive(held.values())
    if not orphaned:
        return []
    ids = sorted(pk for pk, token in held.items() if token in orphaned)
    log.warning("Taking up %d submissions again whose worker was lost while processing them", len(ids))
    submissions_release_claims(sorted(orphaned))
    return ids


def submissions_recover() -> list[int]:
    """At a worker's start: release what a lost worker held, and ask for its processing. (Waiting rows
    that never had a request are the sweeper's: a start does not change what they wait for.)"""
    released = submissions_release_orphaned()
    if not released:
        return []
    waiting = (
        Submission.objects.filter(state=ProcessingState.RECEIVED)
        .filter(due_for_processing())
        .order_by("created_at")
        .values_list("pk", flat=True)
        .first()
    )
    if waiting is not None:
        processing_request_now(waiting)
    return released


def submissions_sweep_due() -> list[int]:
    """The submissions the sweeper queues again: those that never reached a worker (broker down), whose
    retry after a transient error is due, or whose worker died (released at once when its claim's
    session is gone, else once they have been processing too long). The sweep task
    (tasks.submissions_sweep) queues them."""
    heartbeat_record(SWEEP)
    submissions_release_orphaned()
    # Held entity updates whose branch's earlier update never came; those refused are their submissions' problems.
    entity_problems_add(entity_backlog_sweep().errors)
    ids = submissions_waiting()
    for submission_id in ids:
        submission_release_stuck(submission_id)
    return ids


def submissions_reprocess(queryset) -> int:
    """Mark submissions for processing again (attempts counted afresh) and ask for it."""
    return submissions_requeue(queryset)
