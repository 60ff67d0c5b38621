"""Which visit of a village counts in a round: the one owner of VillageAssessment.is_current.

The rule (assessments_settle_current says it in full): a rejected visit never counts; of the others,
the visit a supervisor chose ("count this visit") counts; else the newest by the time the server first
received it. Every writer that can change the answer (storing, reprocessing, linking a typed-in village,
each review decision, one or in bulk, a supervisor's choice) calls assessments_settle_current, and no
other code writes is_current. The report, the dataset, sampling and spot checks read is_current.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy

from bma.assessments import models as m
from bma.core.cache_versions import versions_bump
from bma.core.db import advisory_locks
from bma.core.errors import BmaError, codes
from bma.core.task_names import task_named
from bma.submissions.models import Submission

# Rejecting a visit, taking a rejection back or linking a typed-in visit to a village changes which
# visits of the village stand, and so the duplicate-visit quality issue; validation sits above
# assessments, so its task is reached by name.
RECHECK_TASK = "bma.validation.tasks.villages_quality_recheck"
# A visit whose submission row is gone (never in practice) ranks before any received one.
NEVER = dt.datetime.min.replace(tzinfo=dt.UTC)


def assessments_settle_current(pairs: Iterable[tuple[int, int]] = (), typed_ids: Iterable[int] = ()) -> None:
    """Decide again which visit counts, for each (round id, village id) in ``pairs`` and for each
    assessment of a typed-in (not yet linked) village in ``typed_ids``.

    For a listed village, among its visits in the round that are not rejected:
    1. the one a supervisor chose to count, if any;
    2. else the newest by the time the server first received it (the first submission of its edit
       chain, so an edit corrects a visit without making it newer), then the newest row.
    The device's visit_date plays no part: a tablet's wrong clock or a typo (a date years ahead) must
    not pin a visit as the one that counts. Pending and approved visits rank alike: the newest visit is
    the village's current answer, and the report counts it once approved; a supervisor who wants the
    older, approved one counted says so with "count this visit" (or rejects the newer one).
    If every visit is rejected, none counts.

    A visit whose submission was deleted in ODK Central (Submission.central_deleted_at, read by the
    pull) does not count until a supervisor decides: it counts again only when a supervisor chose it
    ("count this visit") after the deletion; our own review state is left as it was.

    A typed-in village's assessment is a community of its own until it is linked: it counts unless
    rejected; once linked it is weighed here against the village's other visits.
    """
    pairs = {(r, v) for r, v in pairs if v is not None}
    typed_ids = set(typed_ids)
    # Every writer of a visit's answers, its review state or which visit counts comes through here: the
    # one place where a round's cached live figures are marked out of date.
    rounds = {r for r, _ in pairs}
    if typed_ids:
        rounds |= set(m.VillageAssessment.objects.filter(pk__in=typed_ids).values_list("round_id", flat=True))
    round_figures_changed(rounds)
    rows = []
    if pairs:
        # Locked in id order, as every writer does: two settles of one village queue, and the one-current
        # constraint never sees two rows promoted at once.
        rows = [
            row
            for row in m.VillageAssessment.objects.select_for_update()
            .filter(round_id__in={r for r, _ in pairs}, village_id__in={v for _, v in pairs})
            .order_by("pk")
            .values_list("pk", "round_id", "village_id", "review_state", "counted_at", "root_instance_id", "is_current")
            if (row[1], row[2]) in pairs
        ]
    first_received = dict(
        Submission.objects.filter(root_instance_id__in={row[5] for row in rows})
        .values("root_instance_id")
        .annotate(first=Min("created_at"))
        .values_list("root_instance_id", "first")
    )
    deleted = _deleted_in_central({row[5] for row in rows})
    best: dict[tuple[int, int], tuple] = {}
    for pk, round_id, village_id, state, counted_at, root, _current in rows:
        if state == m.ReviewState.REJECTED or _left_out_as_deleted(deleted.get(root), counted_at):
            continue
        rank = (counted_at is not None, first_received.get(root, NEVER), pk)
        key = (round_id, village_id)
        if key not in best or rank > best[key][0]:
            best[key] = (rank, pk)
    keep = {pk for _, pk in best.values()}
    current = {pk for pk, *_, is_current in rows if is_current}
    if typed_ids:
        typed = list(
            m.VillageAssessment.objects.filter(pk__in=typed_ids, village__isnull=True).values_list(
                "pk", "review_state", "is_current", "root_instance_id"
            )
        )
        deleted = _deleted_in_central({row[3] for row in typed})
        for pk, state, is_current, root in typed:
            if is_current:
                current.add(pk)
            if state != m.ReviewState.REJECTED and root not in deleted:
                keep.add(pk)
    # Demote first: the village's one-current constraint holds after each statement.
    if current - keep:
        m.VillageAssessment.objects.filter(pk__in=current - keep).update(is_current=False)
    if keep - current:
        m.VillageAssessment.objects.filter(pk__in=keep - current).update(is_current=True)


def round_figures_scope(round_id: int) -> str:
    """The cache scope of a round's live report figures (bma.exports.report reads its version)."""
    return f"round-figures:{round_id}"


def round_figures_changed(round_ids: Iterable[int]) -> None:
    """These rounds' counted assessments changed (answers, review states, which visit counts): their
    cached live figures are not read again (bma/core/cache_versions.py)."""
    versions_bump(round_figures_scope(round_id) for round_id in round_ids)


def _deleted_in_central(roots: set[str]) -> dict[str, dt.datetime]:
    return dict(
        Submission.objects.filter(root_instance_id__in=roots, central_deleted_at__isnull=False)
        .values("root_instance_id")
        .annotate(at=Max("central_deleted_at"))
        .values_list("root_instance_id", "at")
    )


def _left_out_as_deleted(deleted_at: dt.datetime | None, counted_at: dt.datetime | None) -> bool:
    return deleted_at is not None and (counted_at is None or counted_at < deleted_at)


def villages_recheck_after_commit(pairs) -> None:
    """Ask validation to run the rules again on these (round id, village id) villages' visits once the
    change is committed (a worker must see it; on the embedded default the task runs in-process)."""
    pairs = sorted((r, v) for r, v in pairs if v is not None)
    if pairs:
        transaction.on_commit(lambda: task_named(RECHECK_TASK).delay([list(p) for p in pairs]), robust=True)


def lock_districts(assessments) -> None:
    """The districts' locks of these village assessments, taken as processing batches take them (first,
    sorted): a supervisor's decision and a worker storing a visit to the same village queue, instead of
    locking the village's visits in opposite orders and deadlocking."""
    district_codes = assessments.order_by().values_list("district__code", flat=True).distinct()
    advisory_locks({f"district:{code}" for code in district_codes if code})


def assessments_uncount(visits) -> int:
    """Take these visits (a queryset) out of counting and forget a supervisor's choice of them: before a
    visit moves to another village (an edit, or a typed-in name linked to a village), whose own visit may
    count (the one-current constraint). assessments_settle_current then decides again. How many."""
    return visits.update(is_current=False, counted_by=None, counted_at=None)


def assessments_settle(assessment_ids: Iterable[int]) -> None:
    """Settle the villages these assessments are visits of (and the typed-in ones themselves)."""
    rows = m.VillageAssessment.objects.filter(pk__in=set(assessment_ids)).values_list("pk", "round_id", "village_id")
    pairs, typed = set(), set()
    for pk, round_id, village_id in rows:
        if village_id is None:
            typed.add(pk)
        else:
            pairs.add((round_id, village_id))
    assessments_settle_current(pairs, typed)


@transaction.atomic
def assessments_settle_chains(root_instance_ids: Iterable[str]) -> int:
    """Settle the villages of these submission chains' visits (a fact about the chain changed, such as
    a deletion in ODK Central), under their districts' locks as processing takes them. Returns how many."""
    visits = m.VillageAssessment.objects.filter(root_instance_id__in=list(root_instance_ids))
    lock_districts(visits)
    ids = list(visits.values_list("pk", flat=True))
    assessments_settle(ids)
    return len(ids)


@transaction.atomic
def assessment_count(assessment: m.VillageAssessment, user) -> m.VillageAssessment:
    """A supervisor's "count this visit": this visit counts for its village in the round, whichever is
    newer, until a supervisor chooses another visit of the village or rejects this one."""
    lock_districts(m.VillageAssessment.objects.filter(pk=assessment.pk))
    locked = m.VillageAssessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.village_id is None:
        raise BmaError(
            codes.INVALID_INPUT,
            gettext_lazy("This visit names a village that is not on the list: link it to a village first."),
        )
    if locked.review_state == m.ReviewState.REJECTED:
        raise BmaError(
            codes.INVALID_INPUT,
            gettext_lazy("A rejected visit cannot count: decide it again (approve it) first."),
        )
    # One choice per village and round: choosing this visit withdraws the choice of any other.
    m.VillageAssessment.objects.filter(round_id=locked.round_id, village_id=locked.village_id).exclude(
        pk=locked.pk
    ).exclude(counted_at=None).update(counted_by=None, counted_at=None)
    locked.counted_by, locked.counted_at = user, timezone.now()
    locked.save(update_fields=["counted_by", "counted_at", "updated_at"])
    assessments_settle_current({(locked.round_id, locked.village_id)})
    locked.refresh_from_db(fields=["is_current"])
    return locked


def village_counted_assessment(round_id: int, village_id: int) -> m.VillageAssessment | None:
    """The visit of this village that counts in the round (as assessments_settle_current decided), or None."""
    return m.VillageAssessment.objects.filter(round_id=round_id, village_id=village_id, is_current=True).first()
