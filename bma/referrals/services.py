"""The referrals' services, in three rooms: the visit plan (plan.py), matching the named villages
(matching.py) and the supervisors' queue of unclear names (queue.py). Callers import from here.
"""

from bma.referrals.matching import MatchReport, referrals_match
from bma.referrals.plan import (
    PlanAddition,
    plan_add,
    plan_add_many,
    plan_carry_over,
    plan_coverage,
    plan_mark_assessed,
    plan_mark_assessed_many,
    plan_recount,
)
from bma.referrals.queue import (
    VillageChoice,
    match_candidate_names,
    match_create_village,
    match_link,
    match_not_village,
    match_outcome_now,
    match_reject,
    match_village_search,
    matches_choices,
)

__all__ = [
    "MatchReport",
    "PlanAddition",
    "VillageChoice",
    "match_candidate_names",
    "match_create_village",
    "match_link",
    "match_outcome_now",
    "match_not_village",
    "match_reject",
    "match_village_search",
    "matches_choices",
    "plan_add",
    "plan_add_many",
    "plan_carry_over",
    "plan_coverage",
    "plan_mark_assessed",
    "plan_mark_assessed_many",
    "plan_recount",
    "referrals_match",
]
