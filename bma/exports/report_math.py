"""Arithmetic of the round report (pure): shares, year-on-year change, top-N lists.

The SQL aggregates produce counts; these functions turn them into the figures the published report
prints, with the same conventions (whole percentages that add up to 100, "+39%" changes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping


def shares(counts: Mapping[str, int], decimals: int = 0) -> dict[str, float]:
    """Percentages that add up to exactly 100 at the given precision (largest remainder method)."""
    total = sum(counts.values())
    if total <= 0:
        return {key: 0.0 for key in counts}
    scale = 10**decimals
    exact = {key: value * 100 * scale / total for key, value in counts.items()}
    floored = {key: math.floor(v) for key, v in exact.items()}
    missing = 100 * scale - sum(floored.values())
    by_remainder = sorted(exact, key=lambda k: (exact[k] - floored[k], counts[k]), reverse=True)
    for key in by_remainder[:missing]:
        floored[key] += 1
    return {key: floored[key] / scale for key in counts}


def share_of(part: int, whole: int, decimals: int = 0) -> float:
    if whole <= 0:
        return 0.0
    return round(100 * part / whole, decimals)


def year_on_year(by_year: Mapping[int, int]) -> dict[int, float | None]:
    """Percentage change from the previous year, None for the first year or after a zero."""
    years = sorted(by_year)
    change: dict[int, float | None] = {}
    for previous, year in zip([None, *years], years, strict=False):
        if previous is None or not by_year[previous]:
            change[year] = None
        else:
            change[year] = round(100 * (by_year[year] - by_year[previous]) / by_year[previous], 1)
    return change


def top_n(counts: Mapping[str, int], n: int = 5) -> list[tuple[str, int]]:
    """The n largest, ties broken by key so the report does not reorder between runs."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
