"""Spot-check sampling: which assessed villages the team visits to check the data (pure).

Stratified by district: each district gets its share of the sample (at least a minimum), and within a
district villages with open quality issues are more likely to be drawn. The draw is reproducible: the
same candidates, parameters and seed always give the same sample, whatever order the rows came in.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    village_id: int
    district_id: int
    open_issues: int = 0


@dataclass(frozen=True)
class SamplingPlan:
    share: float = 0.10
    min_per_district: int = 2
    # How much more likely a village with open issues is to be drawn than one without.
    issue_weight: float = 3.0

    def __post_init__(self):
        if not 0 < self.share <= 1:
            raise ValueError("The share of villages to check must be more than 0 and at most 1 (e.g. 0.10).")
        if self.min_per_district < 0:
            raise ValueError("The minimum per district cannot be negative.")
        if self.issue_weight < 1:
            raise ValueError("The weight of villages with open issues must be at least 1.")


def _weighted_sample_without_replacement(items: list[Candidate], k: int, plan: SamplingPlan, rng) -> list[Candidate]:
    # Efraimidis-Spirakis: key = u^(1/w); the k largest keys are a weighted sample without replacement.
    keyed = []
    for item in items:
        weight = plan.issue_weight if item.open_issues else 1.0
        keyed.append((rng.random() ** (1.0 / weight), item.village_id, item))
    keyed.sort(reverse=True)
    return [item for _, _, item in keyed[:k]]


def draw_sample(candidates: list[Candidate], plan: SamplingPlan, seed: int) -> list[Candidate]:
    by_district: dict[int, list[Candidate]] = defaultdict(list)
    for c in candidates:
        by_district[c.district_id].append(c)
    rng = random.Random(seed)
    chosen: list[Candidate] = []
    for district_id in sorted(by_district):
        villages = sorted(by_district[district_id], key=lambda c: c.village_id)
        k = min(len(villages), max(plan.min_per_district, math.ceil(plan.share * len(villages))))
        chosen.extend(_weighted_sample_without_replacement(villages, k, plan, rng))
    return sorted(chosen, key=lambda c: (c.district_id, c.village_id))
