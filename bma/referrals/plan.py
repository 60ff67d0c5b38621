"""The round's visit plan: which villages to visit and why, counted from the names that put them there.

Referred and nominated villages come in through matching (referrals_match, bma/referrals/matching.py);
the rest (re-assessment, carry-over, a village an enumerator assessed) are planned here directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext_lazy as _

from bma.assessments.models import VillageAssessment
from bma.core.errors import BmaError, codes, message_lazy
from bma.geo.models import Settlement
from bma.geo.names import name_in_language
from bma.referrals.models import MatchState, PlanReason, PlanStatus, ReferralMatch, VisitPlanEntry

COUNTED_REASONS = (PlanReason.REFERRAL, PlanReason.B1_NOMINATION)


def plan_add(round_id: int, village: Settlement, reason: str, referred_by=None) -> VisitPlanEntry:
    """Put a village in the round's plan for a reason no naming counts (re-assessment, carry-over).

    Referrals and nominations are planned by referrals_match: their counts come from linked matches.
    """
    if reason in COUNTED_REASONS:
        raise ValueError("Referred and nominated villages are planned through their matches (plan_add_many).")
    entry, created = VisitPlanEntry.objects.get_or_create(
        round_id=round_id,
        village=village,
        defaults={"district_id": village.district_id, "reason": reason, "first_referred_by": referred_by},
    )
    if not created and reason == PlanReason.REASSESSMENT and entry.status == PlanStatus.ASSESSED:
        VisitPlanEntry.objects.filter(pk=entry.pk).update(status=PlanStatus.PLANNED, reason=PlanReason.REASSESSMENT)
    return entry


@dataclass(frozen=True)
class PlanAddition:
    round_id: int
    village: Settlement
    reason: str
    referred_by: VillageAssessment | None = None


def plan_add_many(additions: list[PlanAddition]) -> None:
    """Plan the villages a batch's referrals and nominations named, then recount their namings.

    The first naming of a new entry is the one kept as its reason. Counts are recounted from the
    linked matches rather than incremented, so a replay, an edit or a second worker cannot make them drift.
    """
    if not additions:
        return
    first: dict[tuple[int, int], PlanAddition] = {}
    for addition in additions:
        first.setdefault((addition.round_id, addition.village.pk), addition)
    # ON CONFLICT DO NOTHING: another worker adding the same village waits here, then this one counts it.
    VisitPlanEntry.objects.bulk_create(
        [
            VisitPlanEntry(
                round_id=a.round_id,
                village=a.village,
                district_id=a.village.district_id,
                reason=a.reason,
                referral_count=0,
                first_referred_by=a.referred_by,
            )
            for a in first.values()
        ],
        ignore_conflicts=True,
    )
    plan_recount(set(first))


def plan_recount(pairs: set[tuple[int, int]]) -> None:
    """Set each (round id, village id) entry's count to the referrals and nominations linked to it.

    An entry that only referrals put in the plan, still unvisited, and that no naming links to any more
    (an edit removed or renamed it) leaves the plan: it would be a village nobody referred.
    """
    if not pairs:
        return
    rounds, villages = {r for r, _ in pairs}, {v for _, v in pairs}
    # Lock the entries (in id order, as every writer does) before counting, so the count below is read
    # after any other worker that named these villages has committed.
    entries = [
        row
        for row in VisitPlanEntry.objects.select_for_update()
        .filter(round_id__in=rounds, village_id__in=villages)
        .order_by("pk")
        .values_list("pk", "round_id", "village_id", "referral_count", "reason", "status")
        if (row[1], row[2]) in pairs
    ]
    counts = {
        (r, v): n
        for r, v, n in ReferralMatch.objects.filter(
            round_id__in=rounds, village_id__in=villages, state=MatchState.LINKED, reason__in=COUNTED_REASONS
        )
        .values_list("round_id", "village_id")
        .annotate(n=Count("pk"))
        .values_list("round_id", "village_id", "n")
    }
    by_count: dict[int, list[int]] = {}
    unnamed = []
    for pk, round_id, village_id, current, reason, status in entries:
        n = counts.get((round_id, village_id), 0)
        if n == 0 and reason in COUNTED_REASONS and status == PlanStatus.PLANNED:
            unnamed.append(pk)
        elif n != current:
            by_count.setdefault(n, []).append(pk)
    for n, pks in by_count.items():
        VisitPlanEntry.objects.filter(pk__in=pks).update(referral_count=n)
    if unnamed:
        VisitPlanEntry.objects.filter(pk__in=unnamed).delete()


def plan_mark_assessed(round_id: int, village: Settlement) -> None:
    entry, created = VisitPlanEntry.objects.get_or_create(
        round_id=round_id,
        village=village,
        defaults={"district_id": village.district_id, "reason": PlanReason.ENUMERATOR, "status": PlanStatus.ASSESSED},
    )
    if not created and entry.status == PlanStatus.PLANNED:
        VisitPlanEntry.objects.filter(pk=entry.pk).update(status=PlanStatus.ASSESSED)


def plan_mark_assessed_many(assessments: list[VillageAssessment]) -> None:
    """The assessed villages of a batch: planned entries become assessed, missing ones are added (3 queries)."""
    if not assessments:
        return
    pairs = {(a.round_id, a.village_id): a for a in assessments}
    entries = VisitPlanEntry.objects.filter(
        round_id__in={r for r, _ in pairs}, village_id__in={v for _, v in pairs}
    ).values_list("pk", "round_id", "village_id", "status")
    present = {(r, v) for _, r, v, _ in entries}
    VisitPlanEntry.objects.filter(
        pk__in=[pk for pk, r, v, status in entries if (r, v) in pairs and status == PlanStatus.PLANNED]
    ).update(status=PlanStatus.ASSESSED)
    VisitPlanEntry.objects.bulk_create(
        [
            VisitPlanEntry(
                round_id=r,
                village_id=v,
                district_id=a.district_id,
                reason=PlanReason.ENUMERATOR,
                status=PlanStatus.ASSESSED,
            )
            for (r, v), a in pairs.items()
            if (r, v) not in present
        ],
        ignore_conflicts=True,
    )


def plan_coverage(round_) -> list[dict]:
    """Planned against assessed villages per district."""
    rows = (
        VisitPlanEntry.objects.filter(round=round_)
        .values("district__code", "district__name_en", "district__name_ru", "district__name_tg")
        .annotate(
            planned=Count("pk"),
            assessed=Count("pk", filter=Q(status=PlanStatus.ASSESSED)),
            waiting=Count("pk", filter=Q(status=PlanStatus.PLANNED)),
        )
        .order_by("district__code")
    )
    return [
        {
            "district": name_in_language(r["district__name_en"], r["district__name_ru"], r["district__name_tg"]),
            "code": r["district__code"],
            "planned": r["planned"],
            "assessed": r["assessed"],
            "waiting": r["waiting"],
        }
        for r in rows
    ]


@transaction.atomic
def plan_carry_over(round_) -> int:
    """Start a round's plan with the previous round's villages that were planned but not assessed."""
    from bma.rounds.models import Round

    previous = Round.objects.filter(number__lt=round_.number).order_by("-number").first()
    if previous is None:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(_("%(round)s has no earlier round to carry villages over from."), round=round_),
        )
    waiting = VisitPlanEntry.objects.filter(round=previous, status=PlanStatus.PLANNED).exclude(
        village__plan_entries__round=round_
    )
    entries = [
        VisitPlanEntry(round=round_, village_id=e.village_id, district_id=e.district_id, reason=PlanReason.CARRIED_OVER)
        for e in waiting
    ]
    VisitPlanEntry.objects.bulk_create(entries)
    return len(entries)


# --- The plan as the villages entity list reads it (its ``planned`` column, bma/entities/lists.py) ----

# In the plan for this round: to visit, or visited. A duplicate or a village the team did not find is not.
IN_PLAN = (PlanStatus.PLANNED, PlanStatus.ASSESSED)


def _in_plan(round_id: int):
    return VisitPlanEntry.objects.filter(round_id=round_id, status__in=IN_PLAN)


def plan_village_ids(round_id: int) -> set[int]:
    return set(_in_plan(round_id).values_list("village_id", flat=True))


def plan_fingerprint(round_id: int) -> str:
    """Changes whenever a village enters or leaves the round's plan, whichever way it was written (the
    plan's status is also set by queryset updates, which leave no time stamp): one aggregate query."""
    figures = _in_plan(round_id).aggregate(n=Count("pk"), villages=Sum("village_id"), top=Max("pk"))
    return f"{figures['n']}:{figures['villages']}:{figures['top']}"
