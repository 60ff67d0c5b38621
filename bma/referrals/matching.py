"""Matching the villages B1 nominations, B2 referrals and B2 typed-in names speak of, within their district.

Exact, alias and clear fuzzy matches link at once; an unclear one waits for a supervisor (queue.py);
a name that matches nothing becomes a provisional village in that district, which later referrals of
the same name then find. When villages are added, the round's village list file is regenerated, so
tablets offer them on their next refresh.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.db.models import Q, prefetch_related_objects

from bma.assessments.models import DistrictAssessment, VillageAssessment
from bma.assessments.services import assessment_link_village
from bma.assessments.source_keys import named_village_keys, typed_village_key
from bma.core.bulk import rows_insert
from bma.geo.matching import Candidate, VillageIndex
from bma.geo.models import AdminArea, Settlement, SettlementAlias, SettlementSource, SettlementStatus
from bma.geo.services import settlement_upsert
from bma.referrals.models import MatchOutcome, MatchState, PlanReason, ReferralMatch
from bma.referrals.plan import PlanAddition, plan_add_many, plan_mark_assessed, plan_mark_assessed_many, plan_recount
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
    # The villages entity a tablet created or picked for the name (forms reading the entity list).
    entity_uuid: uuid.UUID | None = None


@dataclass
class MatchReport:
    linked: int = 0
    pending: int = 0
    created: int = 0
    rounds_changed: set = field(default_factory=set)


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
                        entity_uuid=a.village_entity_uuid,
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
                        entity_uuid=ref.entity_uuid,
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
                        entity_uuid=nomination.entity_uuid,
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


def _index(district_codes: set[str]) -> VillageIndex:
    """The names of these districts' villages and their aliases, read as plain values (no model
    instances: a batch's referrals name whole districts, thousands of villages, every batch)."""
    aliases: dict[int, list[str]] = defaultdict(list)
    for settlement_id, name in SettlementAlias.objects.filter(
        settlement__district__code__in=district_codes
    ).values_list("settlement_id", "name"):
        aliases[settlement_id].append(name)
    return VillageIndex(
        Candidate(code, district_code, (name_en, name_tg, name_ru), tuple(aliases.get(pk, ())))
        for pk, code, district_code, name_en, name_tg, name_ru in Settlement.objects.filter(
            district__code__in=district_codes
        ).values_list("pk", "code", "district__code", "name_en", "name_tg", "name_ru")
    )


def provisional_village(item: NamedVillage, district: AdminArea) -> Settlement:
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
    "entity_uuid",
    "state",
]


def link_now(item: NamedVillage, village: Settlement) -> None:
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
    index = _index(set(districts))
    matches, found, created = [], [], {}
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
            entity_uuid=item.entity_uuid,
        )
        code = None
        if item.picked_code and item.picked_code in picked:
            code, match.outcome, match.score = item.picked_code, MatchOutcome.PICKED, 100.0
        elif district is None or not item.name:
            match.outcome, match.state = MatchOutcome.AMBIGUOUS, MatchState.PENDING
        else:
            result = index.match(item.name, item.district_code)
            match.score, match.candidates = result.score, result.candidates
            if result.outcome in ("exact", "alias", "fuzzy"):
                code, match.outcome = result.code, MatchOutcome(result.outcome)
            elif result.outcome == "ambiguous":
                match.outcome, match.state = MatchOutcome.AMBIGUOUS, MatchState.PENDING
            else:
                village = provisional_village(item, district)
                index.add(Candidate(village.code, district.code, (village.name_en,)))
                created[village.code] = village  # later names in this batch link to it
                code, match.outcome = village.code, MatchOutcome.NEW
                report.created += 1
                report.rounds_changed.add(item.round_id)
        matches.append(match)
        found.append((item, match, code))
    # The villages linked to, in one query (the index holds names, not rows).
    villages = {**picked, **created}
    wanted = {code for _, _, code in found if code and code not in villages}
    if wanted:
        villages.update((s.code, s) for s in Settlement.objects.filter(code__in=wanted))
    additions = []
    for item, match, code in found:
        if code is not None:
            match.village, match.state = villages[code], MatchState.LINKED
            if addition := _link(item, villages[code]):
                additions.append(addition)
            report.linked += 1
        else:
            report.pending += 1
    rows_insert(ReferralMatch, MATCH_FIELDS, ([getattr(match, name) for name in MATCH_FIELDS] for match in matches))
    plan_add_many(additions)
    plan_recount(recount - {(a.round_id, a.village.pk) for a in additions})
    refresh_lists_after_commit(report.rounds_changed)
    return report


def refresh_lists_after_commit(round_ids) -> None:
    """Rebuild the rounds' list files once this transaction commits, once per round.

    Not here, inside it: this transaction cannot see the villages another batch is adding at the
    same moment (each would write a file without the other's), and it holds its districts' locks,
    which other batches wait for. The task takes the list files' lock and reads what has committed.
    robust: a refresh that cannot be queued is logged and never undoes the batch; the next change,
    or `publish_forms`, rebuilds the files.
    """
    for round_id in sorted(set(round_ids)):
        transaction.on_commit(partial(round_list_files_refresh.delay, round_id), robust=True)


def named_from(match: ReferralMatch) -> NamedVillage:
    return NamedVillage(
        match.source_key,
        match.round_id,
        match.district_code,
        match.name,
        "",
        match.reason,
        match.village_assessment,
        match.district_assessment,
        match.entity_uuid,
    )
