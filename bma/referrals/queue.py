"""The supervisors' queue of unclear names: each with its candidates, a search, and the decision.

A decision links the name to a village (found or new) or rejects it; linking plans the village as
matching would have (bma/referrals/matching.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, codes, message_lazy
from bma.geo.matching import normalise
from bma.geo.models import AreaKind, Settlement
from bma.geo.names import name_field
from bma.referrals.entities import referral_entity_follow
from bma.referrals.matching import link_now, named_from, provisional_village, refresh_lists_after_commit
from bma.referrals.models import MatchOutcome, MatchState, ReferralMatch

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
    link_now(named_from(match), village)
    referral_entity_follow(match)  # a village a tablet created offline is now this one on every tablet
    return match


@transaction.atomic
def match_create_village(match: ReferralMatch, user) -> ReferralMatch:
    if match.district is None:
        raise BmaError(
            codes.INVALID_INPUT,
            message_lazy(_("'%(code)s' is not a district in the gazetteer."), code=match.district_code),
        )
    item = named_from(match)
    village = provisional_village(item, match.district)
    _decided(match, user, village, MatchState.LINKED)
    link_now(item, village)
    referral_entity_follow(match)  # the tablet's entity becomes the new village's: its id stays
    refresh_lists_after_commit([match.round_id])
    return match


@transaction.atomic
def match_reject(match: ReferralMatch, user) -> ReferralMatch:
    _decided(match, user, None, MatchState.REJECTED)
    referral_entity_follow(match)  # a village a tablet created for it leaves the tablets
    return match


@transaction.atomic
def match_not_village(match: ReferralMatch, user) -> ReferralMatch:
    """The name is no village: the candidate is closed, nothing is added to the gazetteer or the plan,
    and who decided it and when is kept on the match (a village a tablet created for it is deleted)."""
    _decided(match, user, None, MatchState.NOT_VILLAGE)
    referral_entity_follow(match)
    return match


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
    jamoat: str  # what tells apart villages of one name in a district ("" when the gazetteer has none)
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
        village.area.name_in(language) if village.area.kind == AreaKind.JAMOAT else "",
        score,
        _distance_km(_origin(match), village),
    )


def matches_choices(matches, language: str) -> dict[int, list[VillageChoice]]:
    """The candidates of each waiting match, best score first (two queries for a whole page of matches)."""
    waiting = [m for m in matches if m.state == MatchState.PENDING]
    prefetch_related_objects(waiting, "village_assessment__village")
    codes = {code for m in waiting for code, _ in m.candidates}
    villages = {s.code: s for s in Settlement.objects.filter(code__in=codes).select_related("district", "area")}
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
    for village in villages.select_related("district", "area").prefetch_related("aliases").order_by("name_en", "code"):
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
        .select_related("district", "area")
        .distinct()
        .order_by("name_en", "code")[:SEARCH_LIMIT]
    ) or _found_by_spelling(villages, query)
    scores = dict((code, score) for code, score in match.candidates)
    return [_choice(match, village, language, scores.get(village.code)) for village in found]
