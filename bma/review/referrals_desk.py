"""Referrals' part of the assessment page: what became of each village the informants named.
Placed on the page by bma/review/admin.py (PAGE_SECTIONS).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from bma.assessments.models import DistrictAssessment, VillageAssessment
from bma.geo.names import place_name
from bma.referrals.entities import matches_tablet_notes
from bma.referrals.models import MatchOutcome, MatchState, PlanStatus, ReferralMatch, VisitPlanEntry
from bma.referrals.services import match_outcome_now
from bma.review.desk import Section


def referral_state_in_words(match: ReferralMatch, plan_status: str | None) -> str:
    """One sentence a supervisor reads without knowing the matcher's states."""
    if match.state == MatchState.PENDING:
        return gettext("Waiting for a supervisor to say which village this is.")
    if match.state == MatchState.NOT_VILLAGE:
        return gettext("Not a village: closed without adding it, by %(user)s on %(date)s.") % {
            "user": match.decided_by or "?",
            "date": date_format(timezone.localtime(match.decided_at), "DATE_FORMAT") if match.decided_at else "?",
        }
    if match.state == MatchState.REJECTED:
        return gettext("Rejected: it will not be visited.")
    village = place_name(match.village, "?")
    if match.outcome == MatchOutcome.NEW and match.decided_by_id is None:
        found = gettext("Added to the gazetteer as a new village, %(village)s") % {"village": village}
    else:
        found = gettext("Linked to %(village)s") % {"village": village}
    plan = {
        PlanStatus.PLANNED: gettext("to be visited this round"),
        PlanStatus.ASSESSED: gettext("already assessed this round"),
        PlanStatus.NOT_FOUND: gettext("the team did not find it"),
        PlanStatus.DUPLICATE: gettext("a duplicate of another village in the plan"),
    }.get(plan_status, gettext("not in the visit plan"))
    return f"{found}; {plan}."


# Which ReferralMatch field points at the page's assessment: a B2's referrals, a B1's nominations.
# A spot-check visit names no villages: no section.
MATCH_FIELD = {VillageAssessment: "village_assessment", DistrictAssessment: "district_assessment"}


def referrals_section(request, assessment) -> Section | None:
    field = MATCH_FIELD.get(type(assessment))
    if field is None:
        return None
    matches = list(
        ReferralMatch.objects.filter(**{field: assessment})
        .select_related("village", "district", "decided_by")
        .order_by("pk")
    )
    plan = dict(
        VisitPlanEntry.objects.filter(
            round_id=assessment.round_id, village_id__in=[m.village_id for m in matches if m.village_id]
        ).values_list("village_id", "status")
    )
    may_decide = request.user.has_perm("referrals.change_referralmatch")
    tablets = matches_tablet_notes(matches)  # villages a tablet created offline for these names
    rows = [
        {
            # A name picked from the form's list is stored as the village's code: show the village.
            "name": place_name(m.village, m.name) if m.outcome == MatchOutcome.PICKED else m.name,
            "district": place_name(m.district, m.district_code),  # the code as typed, if no such district
            "how": match_outcome_now(m),
            "state": referral_state_in_words(m, plan.get(m.village_id)),
            "pending": m.state == MatchState.PENDING,
            "tablet": tablets.get(m.pk, ""),
            "url": reverse("admin:referrals_referralmatch_change", args=[m.pk]) if may_decide else None,
        }
        for m in matches
    ]
    return Section(
        key="referrals",
        title=gettext("Named villages: matching and visit plan"),
        template="admin/referrals/desk/referrals.html",
        context={"referral_rows": rows},
    )
