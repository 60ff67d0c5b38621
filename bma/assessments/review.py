"""Review states as in ODK Central: supervisors approve, reject or flag; edits are set by the system."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from bma.assessments.counting import (
    assessment_count,
    assessments_settle,
    assessments_settle_current,
    lock_districts,
    villages_recheck_after_commit,
)
from bma.assessments.models import (
    DistrictAssessment,
    ReviewEvent,
    ReviewState,
    SpotCheckVisit,
    VillageAssessment,
)
from bma.core.errors import BmaError, codes, message_lazy
from bma.geo.names import name_in_language

NEEDS_COMMENT = {ReviewState.HAS_ISSUES, ReviewState.REJECTED}
SUPERVISOR_STATES = {ReviewState.HAS_ISSUES, ReviewState.APPROVED, ReviewState.REJECTED}
OWNER_FIELD = {
    VillageAssessment: "village_assessment",
    DistrictAssessment: "district_assessment",
    SpotCheckVisit: "spot_check_visit",
}


def review_event(assessment, from_state: str, to_state: str, actor=None, comment: str = "") -> ReviewEvent:
    return ReviewEvent(
        **{OWNER_FIELD[type(assessment)]: assessment},
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        comment=comment,
    )


@transaction.atomic
def assessment_review(assessment, to_state: str, user, comment: str = ""):
    """Set a review state chosen by a supervisor, with the comment the state needs; every change is recorded."""
    to_state = ReviewState(to_state)
    comment = (comment or "").strip()
    _check_comment(to_state, comment)
    if isinstance(assessment, VillageAssessment):
        lock_districts(VillageAssessment.objects.filter(pk=assessment.pk))
    locked = type(assessment).objects.select_for_update().get(pk=assessment.pk)
    if locked.review_state == to_state:
        return locked
    from_state = locked.review_state
    review_event(locked, from_state, to_state, user, comment).save()
    locked.review_state = to_state
    fields = ["review_state", "updated_at"]
    if isinstance(locked, VillageAssessment) and to_state == ReviewState.REJECTED and locked.counted_at:
        # A rejected visit never counts, and a supervisor's choice of it ends with the rejection.
        locked.counted_by, locked.counted_at = None, None
        fields += ["counted_by", "counted_at"]
    locked.save(update_fields=fields)
    if isinstance(locked, VillageAssessment):
        assessments_settle([locked.pk])
        locked.refresh_from_db(fields=["is_current"])
        if ReviewState.REJECTED in (from_state, to_state):
            villages_recheck_after_commit({(locked.round_id, locked.village_id)})
    assessment.review_state = to_state
    return locked


def _check_comment(to_state: ReviewState, comment: str) -> None:
    if to_state not in SUPERVISOR_STATES:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(gettext_lazy("'%(state)s' is set by the system, not by a reviewer."), state=to_state.label),
        )
    if to_state in NEEDS_COMMENT and not comment:
        raise BmaError(
            codes.INVALID_INPUT,
            gettext("Say why: a comment is required to mark an assessment '%(state)s'.") % {"state": to_state.label},
        )


@dataclass(frozen=True)
class BulkReview:
    """What a bulk decision did: how many assessments it changed, and how many already had the state."""

    changed: int
    unchanged: int


@transaction.atomic
def assessments_review_many(queryset, to_state: str, user, comment: str = "") -> BulkReview:
    """One supervisor decision on many assessments (the list's actions, "select all" included).

    Only the assessments whose state changes are changed, recorded (one review event each) and counted;
    those already in the state are left as they are, untouched and unrecorded, and reported as such.
    Then the villages whose visit that counts may change are settled once."""
    to_state = ReviewState(to_state)
    comment = (comment or "").strip()
    _check_comment(to_state, comment)
    model = queryset.model
    selected = model.objects.filter(pk__in=queryset.order_by().values("pk"))
    village = model is VillageAssessment
    if village:
        lock_districts(selected)
    # Locked in id order, as every writer does; the rows' states are read under the lock.
    rows = list(
        selected.select_for_update()
        .order_by("pk")
        .values_list("pk", "review_state", *(("round_id", "village_id") if village else ()))
    )
    changing = [row for row in rows if row[1] != to_state]
    if changing:
        owner = f"{OWNER_FIELD[model]}_id"
        ReviewEvent.objects.bulk_create(
            (
                ReviewEvent(**{owner: row[0]}, from_state=row[1], to_state=to_state, actor=user, comment=comment)
                for row in changing
            ),
            batch_size=1000,
        )
        update = {"review_state": to_state, "updated_at": timezone.now()}
        if village and to_state == ReviewState.REJECTED:
            update.update(counted_by=None, counted_at=None)
        # The same rows as ``changing`` (they are locked), without a list of ids a whole round long.
        selected.exclude(review_state=to_state).update(**update)
        if village:
            assessments_settle_current(
                {(r, v) for _, _, r, v in changing if v is not None}, {pk for pk, _, _, v in changing if v is None}
            )
            villages_recheck_after_commit(
                {(r, v) for _, state, r, v in changing if ReviewState.REJECTED in (state, to_state)}
            )
    return BulkReview(changed=len(changing), unchanged=len(rows) - len(changing))


# The decisions of the assessment page's buttons, by the name each button posts.
DECISIONS = {"approve": ReviewState.APPROVED, "flag": ReviewState.HAS_ISSUES, "reject": ReviewState.REJECTED}
COUNT = "count"


def assessment_decide(assessment, decision: str, user, comment: str = ""):
    """A supervisor's decision as the assessment page posts it: "approve", "flag" or "reject"; on a
    village assessment also "count" (this visit is the one that counts for its village)."""
    if decision == COUNT and isinstance(assessment, VillageAssessment):
        return assessment_count(assessment, user)
    state = DECISIONS.get(decision)
    if state is None:
        raise BmaError(codes.INVALID_INPUT, gettext("Choose to approve, to mark as having issues, or to reject."))
    return assessment_review(assessment, state, user, comment)


def review_selection_summary(queryset, to_state: str = ReviewState.APPROVED) -> dict:
    """How many assessments a bulk decision covers, how many of them it would change (the others have
    the state already), and where: province names with their districts.

    Shown before a bulk approval so that a supervisor who ticked "select all" sees what it means."""
    count = queryset.count()
    changing = queryset.exclude(review_state=to_state).count()
    names = ("name_en", "name_ru", "name_tg")
    rows = (
        queryset.order_by()
        .values_list(*(f"province__{n}" for n in names), *(f"district__{n}" for n in names))
        .distinct()
        .order_by("province__name_en", "district__name_en")
    )
    # Ordered by the English names (stable in every language), shown in the reader's.
    areas: dict[str, list[str]] = {}
    for row in rows:
        province, district = (
            name_in_language(*(v or "" for v in row[:3])),
            name_in_language(*(v or "" for v in row[3:])),
        )
        areas.setdefault(province, []).append(district)
    return {"count": count, "changing": changing, "unchanged": count - changing, "areas": list(areas.items())}
