"""Arithmetic of the round report (pure, no ORM): shares, year-on-year change, top-N lists, and how a
share is printed.

The SQL aggregates produce counts; these functions turn them into the figures the published report
prints, with the same conventions (whole percentages rounded half up, each on its own; "+39%" changes;
"<1%" for a share too small to round to a whole per cent).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from bma.core.numbers import grouped


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
    """100 * part / whole rounded half up (exact: 12.5 -> 13, never banker's rounding to 12).

    A share that is not zero but smaller than the rounding's unit (0.3% of a whole-percent share) is
    kept as it is: rounded, it would read 0, as if nobody; the published report prints it "<1%"
    (share_shown)."""
    if whole <= 0:
        return 0.0
    exact = Decimal(100 * part) / Decimal(whole)
    unit = Decimal(1).scaleb(-decimals)
    if exact and abs(exact) < unit:
        return float(exact)
    return float(exact.quantize(unit, rounding=ROUND_HALF_UP))


def share_shown(value: float | None, *, signed: bool = False) -> str:
    """A share (or, ``signed``, a change) as the published report prints it, in the reader's locale,
    without its % sign: the one place the page, the PDF, the charts and the workbook's number formats
    (report_workbook.SHARE_FORMAT, CHANGE_FORMAT) follow.

    Whole per cent rounded half up ("13"); above 0 and below 1, "<1", never "0" (the report's "COVID
    <1%"); a change with its sign ("+12", "-4", "0"); None (no change to show) a dash. The stored
    figure stays the number."""
    if value is None:
        return "—"
    sign = ("+" if value > 0 else "-" if value < 0 else "") if signed else ("-" if value < 0 else "")
    if 0 < abs(value) < 1:
        return f"{sign}<1"
    whole = Decimal(str(abs(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{sign}{grouped(int(whole))}"


def year_on_year(by_year: Mapping[int, int]) -> dict[int, float | None]:
    """Percentage change from the previous year (a share of the year before: whole per cent, half up),
    None for the first year or after a zero."""
    years = sorted(by_year)
    change: dict[int, float | None] = {}
    for previous, year in zip([None, *years], years, strict=False):
        if previous is None or not by_year[previous]:
            change[year] = None
        else:
            change[year] = share_of(by_year[year] - by_year[previous], by_year[previous])
    return change


def top_n(counts: Mapping[str, int], n: int = 5) -> list[tuple[str, int]]:
    """The n largest, ties broken by key so the report does not reorder between runs."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
