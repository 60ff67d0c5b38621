"""Review states as in ODK Central: supervisors approve, reject or flag; edits are set by the system."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

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
    locked = type(assessment).objects.select_for_update().get(pk=assessment.pk)
    if locked.review_state == to_state:
        return locked
    review_event(locked, locked.review_state, to_state, user, comment).save()
    locked.review_state = to_state
    locked.save(update_fields=["review_state", "updated_at"])
    assessment.review_state = to_state
    return locked


# The decisions of the assessment page's buttons, by the name each button posts.
DECISIONS = {"approve": ReviewState.APPROVED, "flag": ReviewState.HAS_ISSUES, "reject": ReviewState.REJECTED}


def assessment_decide(assessment, decision: str, user, comment: str = ""):
    """A supervisor's decision as the assessment page posts it: "approve", "flag" or "reject"."""
    state = DECISIONS.get(decision)
    if state is None:
        raise BmaError(codes.INVALID_INPUT, gettext("Choose to approve, to mark as having issues, or to reject."))
    return assessment_review(assessment, state, user, comment)


def review_selection_summary(queryset) -> dict:
    """How many assessments a bulk decision covers and where: province names with their districts.

    Shown before a bulk approval so that a supervisor who ticked "select all" sees what it means."""
    count = queryset.count()
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
    return {"count": count, "areas": list(areas.items())}
