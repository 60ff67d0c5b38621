"""Round-over-round comparison: round N's figures beside round N-1's as round N-1's report was sent out.

"Before" is round N-1's latest published version (PublishedReport.figures), never a recomputation of
its live rows: a late approval, an edit, a reprocess or a rename in round N-1 would otherwise change
round N's "before" column, and round N's report would disagree with round N-1's report already sent.
Where round N-1 has no published version its live figures stand in, and the comparison says so
(``before_published`` false), which every output (page, PDF, XLSX, JSON) prints.

Rows are matched by area code, and labelled by the names of today (a renamed province is one row).
"""

from __future__ import annotations

from bma.exports.models import PublishedReport
from bma.exports.report_math import share_of
from bma.geo.models import AdminArea


def latest_published(round_) -> PublishedReport | None:
    return PublishedReport.objects.filter(round=round_).order_by("-version").first()


def round_comparison(previous_number: int, before: dict, now: dict, published: PublishedReport | None) -> dict:
    """``before``: round N-1's figures (published, else live); ``now``: round N's; ``published``: the
    version ``before`` was taken from, None when round N-1 has none."""
    before_populations = {p["code"]: p for p in before["populations"]}
    return {
        "previous_round": previous_number,
        "before_published": published is not None,
        "before_version": published.version if published else None,
        "before_published_at": f"{published.published_at:%Y-%m-%d %H:%M} UTC" if published else None,
        "communities": {"before": before["communities"], "now": now["communities"]},
        "populations": [
            {
                "code": pop["code"],
                "label": pop["label"],
                **_change(before_populations.get(pop["code"], {}).get("total", 0), pop["total"]),
                "by_province": _province_changes(
                    before_populations.get(pop["code"], {}).get("by_province", []), pop["by_province"]
                ),
            }
            for pop in now["populations"]
        ],
    }


def _change(before: int, now: int) -> dict:
    return {"before": before, "now": now, "change": share_of(now - before, before) if before else None}


def _province_changes(before_rows: list[dict], now_rows: list[dict]) -> list[dict]:
    """Every province of either round, by code, labelled with today's name."""
    now = {r["code"]: r for r in now_rows}
    by_name = {r["province"]: r["code"] for r in now_rows}
    if any("code" not in r for r in before_rows):
        by_name = _province_codes_by_name() | by_name
    before: dict[str, int] = {}
    unmatched: dict[str, int] = {}  # an old version's province no row of today bears the name of
    for row in before_rows:
        code = row.get("code")
        if code is None:
            # A version published before breakdowns carried codes names its rows only: matched by
            # English name, to a row of today or else today's one province of that name (a rename
            # since then leaves it a row of its own, as it was then).
            code = by_name.get(row["province"])
            if code is None:
                unmatched[row["province"]] = unmatched.get(row["province"], 0) + row["total"]
                continue
        before[code] = before.get(code, 0) + row["total"]
    names = {code: r["province"] for code, r in now.items()}
    missing = [code for code in before if code not in names]
    names |= dict(AdminArea.objects.filter(code__in=missing).values_list("code", "name_en"))
    before_names = {r["code"]: r["province"] for r in before_rows if r.get("code") is not None}
    rows = [
        {
            "code": code,
            "province": names.get(code) or before_names.get(code) or "Unknown",
            **_change(before.get(code, 0), now[code]["total"] if code in now else 0),
        }
        for code in set(before) | set(now)
    ]
    rows += [{"code": "", "province": name, **_change(total, 0)} for name, total in unmatched.items()]
    return sorted(rows, key=lambda r: (r["province"], r["code"]))


def _province_codes_by_name() -> dict[str, str]:
    """Today's provinces by English name, where one province alone bears it."""
    codes: dict[str, list[str]] = {}
    for code, name in AdminArea.objects.filter(level=1).values_list("code", "name_en"):
        codes.setdefault(name, []).append(code)
    return {name: found[0] for name, found in codes.items() if len(found) == 1}


AREA_NAME_KEYS = ("district", "province")


def published_with_codes(published, live):
    """``published`` with each area row that lacks a code given the code of the live row of the same
    English name at the same place: a version published before breakdowns carried area codes is then
    compared with the live figures row by row (name matching, for those old versions only; a row renamed
    since keeps no twin and shows as changed)."""
    if isinstance(published, dict):
        live = live if isinstance(live, dict) else {}
        return {key: published_with_codes(value, live.get(key)) for key, value in published.items()}
    if not isinstance(published, list):
        return published
    live_rows = [row for row in live if isinstance(row, dict)] if isinstance(live, list) else []
    out = []
    for row in published:
        twin = None
        if isinstance(row, dict):
            if "code" in row:
                twin = next((r for r in live_rows if r.get("code") == row["code"]), None)
            else:
                key = next((k for k in AREA_NAME_KEYS if k in row), None)
                twin = next((r for r in live_rows if key and r.get(key) == row[key] and "code" in r), None)
                if twin is not None:
                    row = {"code": twin["code"], **row}
        out.append(published_with_codes(row, twin))
    return out
