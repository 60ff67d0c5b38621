"""The villages tablets created offline (ODK entities, issue 32) follow the referral queue's decisions.

A B2 that refers a village the tablet's list lacks creates a provisional ``villages`` entity, so the next
form on that tablet offers it. When the queue (or matching, for a clear name) decides what the name is,
the entity follows: linked to a village, it becomes that village's (or, if the village has its own, is
deleted as merged into it); rejected or "not a village", it is deleted. Two tablets that created one
village offline thus end as one village on every device.

Which entity a referral came from: the entity UUID the referral row carries, when the mapper recorded it
(``entity_uuid``); else the entities its submission created (``Entity.source_instance_id`` is the edit
chain's root instance ID) whose label is the name as typed, the n-th for the n-th naming of that name.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext, ngettext

from bma.assessments.source_keys import said_alike
from bma.entities.models import VILLAGES, Entity
from bma.entities.services import provisional_entity_attach, provisional_entity_drop, provisional_entity_link
from bma.referrals.models import MatchOutcome, MatchState, ReferralMatch


def _root(match: ReferralMatch) -> str:
    # The source key starts with the root instance ID of the assessment that named the village.
    return match.source_key.split("#", 1)[0]


def _occurrence(match: ReferralMatch) -> int:
    """1 for the first naming of a name in an assessment, n for its n-th (source_keys numbers repeats)."""
    tail = match.source_key.rsplit("#", 1)[-1]
    number = tail.rsplit(".", 1)[-1] if "." in tail else ""
    return int(number) if number.isdigit() else 1


def _pick(match: ReferralMatch, entities: list[Entity]) -> Entity | None:
    explicit = getattr(match, "entity_uuid", None)
    if explicit:
        return next((e for e in entities if str(e.uuid) == str(explicit)), None)
    # An entity linked since carries the gazetteer's label: it is found by the village it now belongs to.
    same = [
        e
        for e in entities
        if said_alike(e.label, match.name)
        or (match.village_id and match.village_id in (e.settlement_id, e.merged_into_id) and not e.provisional)
    ]
    index = _occurrence(match) - 1
    return same[index] if index < len(same) else (same[0] if len(same) == 1 else None)


def matches_entities(matches) -> dict[int, Entity]:
    """{match pk: the tablet-created entity it came from}, for matches whose submission created one.
    One query for a whole page of matches."""
    matches = list(matches)
    explicit = {str(u) for m in matches if (u := getattr(m, "entity_uuid", None))}
    roots = {_root(m) for m in matches}
    query = Q(source_instance_id__in=roots) | Q(uuid__in=explicit) if explicit else Q(source_instance_id__in=roots)
    entities = defaultdict(list)
    for entity in Entity.objects.filter(query, dataset=VILLAGES).exclude(source_instance_id="").order_by("pk"):
        entities[entity.source_instance_id].append(entity)
    found = {}
    for match in matches:
        entity = _pick(match, entities.get(_root(match), []))
        if entity is not None:
            found[match.pk] = entity
    return found


def match_entity(match: ReferralMatch) -> Entity | None:
    return matches_entities([match]).get(match.pk)


@transaction.atomic
def _added_unseen(match: ReferralMatch) -> bool:
    return match.outcome == MatchOutcome.NEW and match.decided_by_id is None


def referral_entity_follow(match: ReferralMatch) -> Entity | None:
    """Bring the tablet-created entity of a decided referral in line with the decision. Idempotent: an
    entity already linked or deleted is left as it is. Returns the entity devices keep (None: none)."""
    entity = match_entity(match)
    if entity is None or not entity.provisional or entity.deleted_at is not None:
        return None
    if match.state in (MatchState.REJECTED, MatchState.NOT_VILLAGE):
        provisional_entity_drop(entity)
        return None
    if match.state == MatchState.LINKED and match.village is not None and _added_unseen(match):
        # Matching added the name as a new provisional village and no supervisor has looked yet: the
        # tablet's entry becomes that village's, still provisional, until the queue decides.
        return provisional_entity_attach(entity, match.village)
    if match.state == MatchState.LINKED and match.village is not None:
        # A village made from this very naming (new in the queue, or no match at all) takes the tablet's
        # id, which that tablet's forms already hold; a known village keeps its own.
        made_here = match.outcome == MatchOutcome.NEW or match.village.source_note == f"Named in {match.source_key}"
        return provisional_entity_link(entity, match.village, new_village=made_here)
    return None


def referral_entities_follow(root_instance_ids) -> None:
    """After processing created a submission's entities: those whose name matching already decided
    (an exact, alias or clear match) follow at once; a name matching added as a new provisional village
    is attached to it and stays provisional; unclear ones wait for the queue."""
    roots = [r for r in set(root_instance_ids) if r]
    if not roots:
        return
    query = Q()
    for root in roots:
        query |= Q(source_key__startswith=f"{root}#")
    for match in ReferralMatch.objects.filter(query).exclude(state=MatchState.PENDING).select_related("village"):
        referral_entity_follow(match)


# --- What the queue shows of it ----------------------------------------------------------------------


def _fate(entity: Entity) -> str:
    if entity.provisional and entity.deleted_at is None:
        return gettext("created on a tablet, waiting for this decision")
    if entity.provisional:
        return gettext("created on a tablet; removed from the tablets")
    if entity.deleted_at is not None:
        return gettext("created on a tablet; merged into the village's entry on the tablets")
    return gettext("created on a tablet; now the village's entry on the tablets")


def matches_tablet_notes(matches) -> dict[int, str]:
    """{match pk: what became of the village a tablet created for it}, with the other tablets that created
    the same village offline (the same name in the same district, or linked to the same village): the
    conflict of two creations, which the decision resolves into one village."""
    matches = list(matches)
    entities = matches_entities(matches)
    if not entities:
        return {}
    # The other namings that may be the same village: of the same name (any case) or linked to the same
    # village, in the page's districts; said_alike below compares them as the matcher's keys do.
    mine = [m for m in matches if m.pk in entities]
    same = Q()
    for match in mine:
        same |= Q(name__iexact=match.name)
    villages = {m.village_id for m in mine if m.village_id}
    others = list(
        ReferralMatch.objects.filter(district_code__in={m.district_code for m in mine}).filter(
            same | Q(village_id__in=villages)
        )
    )
    other_entities = matches_entities(others)
    notes = {}
    for match in matches:
        entity = entities.get(match.pk)
        if entity is None:
            continue
        twins = {
            _root(o)
            for o in others
            if o.pk in other_entities
            and o.pk != match.pk
            and _root(o) != _root(match)
            and o.district_code == match.district_code
            and (said_alike(o.name, match.name) or (match.village_id and o.village_id == match.village_id))
        }
        note = _fate(entity)
        if twins:
            note += "; " + ngettext(
                "also created offline on %(count)d other tablet: one village",
                "also created offline on %(count)d other tablets: one village",
                len(twins),
            ) % {"count": len(twins)}
        notes[match.pk] = note[0].upper() + note[1:]
    return notes
