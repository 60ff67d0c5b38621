"""Growing the round's visit plan from B1 nominations, B2 referrals and villages typed in a B2.

Each name is matched only within its district. Exact, alias and clear fuzzy matches link at once; an
unclear one waits for a supervisor; a name that matches nothing becomes a provisional village in that
district, which later referrals of the same name then find. When villages are added, the round's
village list file is regenerated, so tablets offer them on their next refresh.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.db.models import Count, Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bma.assessments.models import DistrictAssessment, VillageAssessment
from bma.assessments.services import assessment_link_village
from bma.assessments.source_keys import named_village_keys, typed_village_key
from bma.core.bulk import rows_insert
from bma.core.errors import BmaError, codes, message_lazy
from bma.geo.matching import Candidate, VillageIndex, normalise
from bma.geo.models import AdminArea, Settlement, SettlementSource, SettlementStatus
from bma.geo.names import name_field, name_in_language
from bma.geo.services import settlement_upsert
from bma.referrals.models import MatchOutcome, MatchState, PlanReason, PlanStatus, ReferralMatch, VisitPlanEntry
from bma.xforms.tasks import round_list_files_refresh

SOURCE_FOR_REASON = {
    PlanReason.B1_NOMINATION: SettlementSource.B1_NOMINATION,
    PlanReason.REFERRAL: SettlementSource.REFERRAL,
    PlanReason.ENUMERATOR: SettlementSource.ENUMERATOR,
}


@dataclass
class NamedVillage:
    source_key: str
    round_id: int
    district_code: str
    name: str
    picked_code: str
    reason: str
    village_assessment: VillageAssessment | None = None
    district_assessment: DistrictAssessment | None = None


@dataclass
class MatchReport:
    linked: int = 0
    pending: int = 0
    created: int = 0
    rounds_changed: set = field(default_factory=set)


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


def _named_villages(assessments) -> list[NamedVillage]:
    # Two queries per kind of assessment for the whole batch, not two per assessment.
    prefetch_related_objects([a for a in assessments if isinstance(a, VillageAssessment)], "district", "referrals")
    prefetch_related_objects([a for a in assessments if isinstance(a, DistrictAssessment)], "district", "nominations")
    named = []
    for a in assessments:
        if isinstance(a, VillageAssessment):
            # Named while the assessment is linked too: the key must stay, or the link would be dropped.
            if a.village_name_typed and a.district_id:
                named.append(
                    NamedVillage(
                        typed_village_key(a.root_instance_id, a.village_name_typed),
                        a.round_id,
                        a.district.code,
                        a.village_name_typed,
                        "",
                        PlanReason.ENUMERATOR,
                        village_assessment=a,
                    )
                )
            referrals = list(a.referrals.all())
            keys = named_village_keys(
                a.root_instance_id, "ref", ((r.district_code, r.village_code, r.name_typed) for r in referrals)
            )
            for key, ref in zip(keys, referrals, strict=True):
                named.append(
                    NamedVillage(
                        key,
                        a.round_id,
                        ref.district_code,
                        ref.name_typed,
                        ref.village_code,
                        PlanReason.REFERRAL,
                        village_assessment=a,
                    )
                )
        elif isinstance(a, DistrictAssessment) and a.district_id:
            nominations = list(a.nominations.all())
            keys = named_village_keys(
                a.root_instance_id, "hv", ((a.district.code, n.village_code, n.name_typed) for n in nominations)
            )
            for key, nomination in zip(keys, nominations, strict=True):
                named.append(
                    NamedVillage(
                        key,
                        a.round_id,
                        a.district.code,
                        nomination.name_typed,
                        nomination.village_code,
                        PlanReason.B1_NOMINATION,
                        district_assessment=a,
                    )
                )
    return named


def _drop_unnamed_matches(assessments, named: list[NamedVillage]) -> set[tuple[int, int]]:
    """Delete the matches of these assessments whose name they no longer carry (an edit removed or
    renamed it). Returns the (round, village) pairs whose plan counts must be recounted."""
    keys = {n.source_key for n in named}
    stale = ReferralMatch.objects.filter(
        Q(village_assessment_id__in=[a.pk for a in assessments if isinstance(a, VillageAssessment)])
        | Q(district_assessment_id__in=[a.pk for a in assessments if isinstance(a, DistrictAssessment)])
    ).exclude(source_key__in=keys)
    pairs = set(stale.filter(village__isnull=False).values_list("round_id", "village_id"))
    stale.delete()
    return pairs


def _index(district_codes: set[str]) -> tuple[VillageIndex, dict[str, Settlement]]:
    settlements = list(
        Settlement.objects.filter(district__code__in=district_codes)
        .select_related("district")
        .prefetch_related("aliases")
    )
    index = VillageIndex(
        Candidate(s.code, s.district.code, (s.name_en, s.name_tg, s.name_ru), tuple(a.name for a in s.aliases.all()))
        for s in settlements
    )
    return index, {s.code: s for s in settlements}


def _provisional_village(item: NamedVillage, district: AdminArea) -> Settlement:
    village, _ = settlement_upsert(
        code=f"P-{district.code}-{uuid.uuid4().hex[:8].upper()}",
        area=district,
        name_en=item.name,
        status=SettlementStatus.PROVISIONAL,
        source=SOURCE_FOR_REASON[item.reason],
        source_note=f"Named in {item.source_key}",
    )
    return village


def _link(item: NamedVillage, village: Settlement) -> PlanAddition | None:
    """Link a named village; a referral or nomination comes back as the plan addition to make."""
    if item.reason == PlanReason.ENUMERATOR:
        # The enumerator assessed a village that was not on the list: it now is, and is assessed.
        assessment_link_village(item.village_assessment.pk, village)
        plan_mark_assessed(item.round_id, village)
        return None
    return PlanAddition(item.round_id, village, item.reason, item.village_assessment)


MATCH_FIELDS = [
    "round_id",
    "district_id",
    "district_code",
    "name",
    "reason",
    "source_key",
    "village_assessment_id",
    "district_assessment_id",
    "outcome",
    "score",
    "candidates",
    "village_id",
    "state",
]


def _link_now(item: NamedVillage, village: Settlement) -> None:
    if addition := _link(item, village):
        plan_add_many([addition])


@transaction.atomic
def referrals_match(assessments) -> MatchReport:
    """Match every nominated, referred or typed-in village of these assessments. Idempotent."""
    report = MatchReport()
    plan_mark_assessed_many([a for a in assessments if isinstance(a, VillageAssessment) and a.village_id])
    named = _named_villages(assessments)
    recount = _drop_unnamed_matches(assessments, named)
    done = set(
        ReferralMatch.objects.filter(source_key__in=[n.source_key for n in named]).values_list("source_key", flat=True)
    )
    todo = [n for n in named if n.source_key not in done]
    if not todo:
        plan_recount(recount)
        return report
    districts = {a.code: a for a in AdminArea.objects.filter(code__in={n.district_code for n in todo})}
    picked = {s.code: s for s in Settlement.objects.filter(code__in={n.picked_code for n in todo if n.picked_code})}
    index, known = _index(set(districts))
    matches, additions = [], []
    for item in todo:
        district = districts.get(item.district_code)
        match = ReferralMatch(
            round_id=item.round_id,
            district=district,
            district_code=item.district_code,
            name=item.name or item.picked_code,
            reason=item.reason,
            source_key=item.source_key,
            village_assessment=item.village_assessment,
            district_assessment=item.district_assessment,
        )
        village = None
        if item.picked_code and item.picked_code in picked:
            village, match.outcome, match.score = picked[item.picked_code], MatchOutcome.PICKED, 100.0
        elif district is None or not item.name:
            match.outcome, match.state = MatchOutcome.AMBIGUOUS, MatchState.PENDING
        else:
            result = index.match(item.name, item.district_code)
            match.score, match.candidates = result.score, result.candidates
            if result.outcome in ("exact", "alias", "fuzzy"):
                village = known.get(result.code) or Settlement.objects.get(code=result.code)
                match.outcome = MatchOutcome(result.outcome)
            elif result.outcome == "ambiguous":
                match.outcome, match.state = MatchOutcome.AMBIGUOUS, MatchState.PENDING
            else:
                village = _provisional_village(item, district)
                index.add(Candidate(village.code, district.code, (village.name_en,)))
                known[village.code] = village  # later names in this batch link to it without a query
                match.outcome = MatchOutcome.NEW
                report.created += 1
                report.rounds_changed.add(item.round_id)
        if village is not None:
            match.village, match.state = village, MatchState.LINKED
            if addition := _link(item, village):
                additions.append(addition)
            report.linked += 1
        else:
            report.pending += 1
        matches.append(match)
    rows_insert(ReferralMatch, MATCH_FIELDS, ([getattr(match, name) for name in MATCH_FIELDS] for match in matches))
    plan_add_many(additions)
    plan_recount(recount - {(a.round_id, a.village.pk) for a in additions})
    _refresh_lists_after_commit(report.rounds_changed)
    return report


def _refresh_lists_after_commit(round_ids) -> None:
    """Rebuild the rounds' list files once this transaction commits, once per round.

    Not here, inside it: this transaction cannot see the villages another batch is adding at the
    same moment (each would write a file without the other's), and it holds its districts' locks,
    which other batches wait for. The task takes the list files' lock and reads what has committed.
    robust: a refresh that cannot be queued is logged and never undoes the batch; the next change,
    or `publish_forms`, rebuilds the files.
    """
    for round_id in sorted(set(round_ids)):
        transaction.on_commit(partial(round_list_files_refresh.delay, round_id), robust=True)


# --- Supervisors' decisions on unclear matches ----------------------------------------------------------


def _decided(match: ReferralMatch, user, village: Settlement | None, state: str) -> ReferralMatch:
    if match.state != MatchState.PENDING:
        # The state's label is put into words with the message, in the reader's language.
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(
                _("'%(name)s' was already decided (%(state)s)."), name=match.name, state=MatchState(match.state).label
            ),
        )
    match.village, match.state, match.decided_by, match.decided_at = village, state, user, timezone.now()
    match.save(update_fields=["village", "state", "decided_by", "decided_at", "updated_at"])
    return match


@transaction.atomic
def match_link(match: ReferralMatch, village_code: str, user) -> ReferralMatch:
    village = Settlement.objects.filter(code=village_code.strip(), district=match.district).first()
    if village is None:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(
                _("No village with the code '%(code)s' in %(district)s."), code=village_code, district=match.district
            ),
        )
    _decided(match, user, village, MatchState.LINKED)
    _link_now(_named_from(match), village)
    return match


@transaction.atomic
def match_create_village(match: ReferralMatch, user) -> ReferralMatch:
    if match.district is None:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(_("'%(code)s' is not a district in the gazetteer."), code=match.district_code),
        )
    item = _named_from(match)
    village = _provisional_village(item, match.district)
    _decided(match, user, village, MatchState.LINKED)
    _link_now(item, village)
    _refresh_lists_after_commit([match.round_id])
    return match


def match_reject(match: ReferralMatch, user) -> ReferralMatch:
    return _decided(match, user, None, MatchState.REJECTED)


def _named_from(match: ReferralMatch) -> NamedVillage:
    return NamedVillage(
        match.source_key,
        match.round_id,
        match.district_code,
        match.name,
        "",
        match.reason,
        match.village_assessment,
        match.district_assessment,
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


def match_candidate_names(match: ReferralMatch, language: str) -> list[str]:
    """The candidates of an unclear name as a supervisor reads them: the village's name in their
    language (English where the gazetteer has none), then its code and score."""
    codes = [code for code, _ in match.candidates]
    field_name = name_field(language)
    names = {
        code: (own or en)
        for code, en, own in Settlement.objects.filter(code__in=codes).values_list("code", "name_en", field_name)
    }
    return [f"{names.get(code, code)} ({code}, {score:.0f})" for code, score in match.candidates]


def match_outcome_now(match: ReferralMatch) -> str:
    """The outcome as it stands: an unclear name a supervisor decided no longer reads as waiting."""
    if match.outcome == MatchOutcome.AMBIGUOUS and match.state != MatchState.PENDING:
        state = match.get_state_display().lower()  # mid-sentence; the same in Russian and Tajik
        if match.decided_by_id:
            return gettext("Unclear name, %(state)s by %(user)s") % {"state": state, "user": match.decided_by}
        return gettext("Unclear name, %(state)s") % {"state": state}
    return match.get_outcome_display()


# --- The queue page: each unclear name with its candidates, ready for one click -------------------------


@dataclass(frozen=True)
class VillageChoice:
    """A village a supervisor may link an unclear name to, as they read it on the queue page."""

    code: str
    name: str  # in the reader's language (English where the gazetteer has none)
    district: str
    score: float | None  # the matcher's score; None for a village found by searching
    distance_km: float | None  # from the referring village, when both have coordinates


def _origin(match: ReferralMatch) -> Settlement | None:
    """The village whose informants referred the name (B2 only): distances are measured from it."""
    assessment = match.village_assessment
    return assessment.village if assessment is not None else None


def _distance_km(origin: Settlement | None, village: Settlement) -> float | None:
    from bma.geo.distance import haversine_km

    points = (origin.latitude, origin.longitude, village.latitude, village.longitude) if origin else (None,)
    if any(v is None for v in points):
        return None
    return round(haversine_km(*points), 1)


def _choice(match: ReferralMatch, village: Settlement, language: str, score: float | None) -> VillageChoice:
    return VillageChoice(
        village.code,
        village.name_in(language),
        village.district.name_in(language),
        score,
        _distance_km(_origin(match), village),
    )


def matches_choices(matches, language: str) -> dict[int, list[VillageChoice]]:
    """The candidates of each waiting match, best score first (two queries for a whole page of matches)."""
    waiting = [m for m in matches if m.state == MatchState.PENDING]
    prefetch_related_objects(waiting, "village_assessment__village")
    codes = {code for m in waiting for code, _ in m.candidates}
    villages = {s.code: s for s in Settlement.objects.filter(code__in=codes).select_related("district")}
    return {
        m.pk: [
            _choice(m, villages[code], language, score)
            for code, score in sorted(m.candidates, key=lambda c: -c[1])
            if code in villages and villages[code].district_id == m.district_id
        ]
        for m in waiting
    }


SEARCH_LIMIT = 15


def _found_by_spelling(villages, query: str) -> list[Settlement]:
    """When no name holds the query as typed: the villages whose name or alias holds it once both are
    folded to the matcher's Latin key (bma/geo/matching.py), so "Pyandzh", "Панҷ" and "Panj" find each
    other, as the matcher already does. One district's villages: a few hundred names at most."""
    key = normalise(query)
    if len(key) < 2:
        return []
    found = []
    for village in villages.select_related("district").prefetch_related("aliases").order_by("name_en", "code"):
        names = (village.name_en, village.name_ru, village.name_tg, *(a.name for a in village.aliases.all()))
        if any(key in normalise(name) for name in names if name):
            found.append(village)
            if len(found) == SEARCH_LIMIT:
                break
    return found


def match_village_search(match: ReferralMatch, query: str, language: str, user) -> list[VillageChoice]:
    """Villages of the match's district whose name (in any script), alias or code contains the query;
    failing that, whose name holds it spelt another way (see _found_by_spelling).

    Only villages in the user's areas: the match's own scoping already keeps a supervisor in their
    district, and this says so again for the villages themselves.
    """
    from bma.rounds.scoping import area_scope_q

    query = query.strip()
    if match.district_id is None or len(query) < 2:
        return []
    villages = Settlement.objects.filter(district_id=match.district_id).filter(area_scope_q(user, "district"))
    found = list(
        villages.filter(
            Q(name_en__icontains=query)
            | Q(name_ru__icontains=query)
            | Q(name_tg__icontains=query)
            | Q(code__iexact=query)
            | Q(aliases__name__icontains=query)
        )
        .select_related("district")
        .distinct()
        .order_by("name_en", "code")[:SEARCH_LIMIT]
    ) or _found_by_spelling(villages, query)
    scores = dict((code, score) for code, score in match.candidates)
    return [_choice(match, village, language, scores.get(village.code)) for village in found]
