from collections import Counter

import pytest

from bma.validation.sampling import Candidate, SamplingPlan, draw_sample


def village_rows(districts=(1, 2, 3), per_district=(50, 7, 1), issues=()):
    rows = []
    vid = 0
    for district, n in zip(districts, per_district, strict=True):
        for _ in range(n):
            vid += 1
            rows.append(Candidate(vid, district, 1 if vid in issues else 0))
    return rows


def test_each_district_gets_its_share_and_at_least_the_minimum():
    sample = draw_sample(village_rows(), SamplingPlan(share=0.10, min_per_district=2), seed=7)
    per_district = Counter(c.district_id for c in sample)
    assert per_district == {1: 5, 2: 2, 3: 1}  # 10% of 50; the minimum 2 of 7; all of a 1-village district


def test_the_same_seed_gives_the_same_sample_whatever_the_row_order():
    rows = village_rows()
    plan = SamplingPlan()
    first = draw_sample(rows, plan, seed=2023)
    again = draw_sample(list(reversed(rows)), plan, seed=2023)
    assert first == again
    assert draw_sample(rows, plan, seed=2024) != first


def test_villages_with_open_issues_are_drawn_more_often():
    flagged = set(range(1, 11))  # 10 of the 50 villages of district 1
    rows = village_rows(issues=flagged)
    plan = SamplingPlan(share=0.10, min_per_district=1, issue_weight=5.0)
    hits = sum(1 for seed in range(400) for c in draw_sample(rows, plan, seed) if c.village_id in flagged)
    drawn = sum(1 for seed in range(400) for c in draw_sample(rows, plan, seed) if c.district_id == 1)
    assert hits / drawn > 0.40  # 20% of the villages, far more than 20% of the draws


@pytest.mark.parametrize(
    "kwargs, message",
    [({"share": 0}, "more than 0"), ({"share": 1.5}, "at most 1"), ({"min_per_district": -1}, "negative")],
)
def test_bad_parameters_are_refused_with_a_clear_message(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SamplingPlan(**kwargs)
