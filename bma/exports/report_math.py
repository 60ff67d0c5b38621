"""Arithmetic of the round report (pure): shares, year-on-year change, top-N lists.

The SQL aggregates produce counts; these functions turn them into the figures the published report
prints, with the same conventions (whole percentages rounded half up, each on its own; "+39%" changes).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal


def shares(counts: Mapping[str, int], decimals: int = 0) -> dict[str, float]:
    """Each count's percentage of the total, rounded on its own, half up, as the published report does.

    The shown shares may add up to 99 or 101 (the report's notes say so); forcing them to 100 would
    move a point to whichever row happens to sort first, so the same data could print differently.
    """
    total = sum(counts.values())
    if total <= 0:
        return {key: 0.0 for key in counts}
    return {key: share_of(value, total, decimals) for key, value in counts.items()}


def share_of(part: int, whole: int, decimals: int = 0) -> float:
    """100 * part / whole rounded half up (exact: 12.5 -> 13, never banker's rounding to 12)."""
    if whole <= 0:
        return 0.0
    exact = Decimal(100 * part) / Decimal(whole)
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


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
