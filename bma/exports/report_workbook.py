"""The round report's tables as an XLSX workbook, one sheet each (the live download and published versions)."""

from __future__ import annotations

import io

import xlsxwriter

from bma.core.spreadsheet_text import spreadsheet_text

# Shares and changes as report_math.share_shown prints them, as Excel number formats: the cell keeps the
# number, the reader sees "<1" for a share above 0 and below 1 and "+12" for a change. Excel allows two
# conditions in a format, so a change between -1 and +1 reads "+0" or "-0" here (the page says "+<1").
SHARE_FORMAT = '[>=1]#,##0;[>0]"<1";0'
CHANGE_FORMAT = "+#,##0;-#,##0;0"


def _is_change(title: str) -> bool:
    return "change" in title and title.endswith("%")


def _is_share(title: str, row: list) -> bool:
    """A share column ("share %"), or a summary row whose figure is one ("... communities reporting %")."""
    return title.endswith("%") or (title == "value" and str(row[0]).endswith("%"))


def figures_workbook(figures: dict) -> bytes:
    """The report's tables, one sheet each, for coordinators who lay out the published report."""
    buffer = io.BytesIO()
    # No text becomes a formula: names are neutralised (spreadsheet_text) and, should one slip through,
    # XlsxWriter writes a string starting with "=" as text rather than as a formula.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    # Whole numbers with a thousands separator (the spreadsheet shows it in the reader's locale: 2,581 or
    # 2 581); a year column stays as it is (2023, not 2,023).
    counts = book.add_format({"num_format": "#,##0"})
    share_cells = book.add_format({"num_format": SHARE_FORMAT})
    change_cells = book.add_format({"num_format": CHANGE_FORMAT})

    def cell_format(title: str, row: list, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if _is_change(title):
            return change_cells
        if _is_share(title, row):
            return share_cells
        return counts if isinstance(value, int) and "year" not in title else None

    def sheet(name, header, rows):
        ws = book.add_worksheet(name[:31])
        ws.write_row(0, 0, [spreadsheet_text(title) for title in header], bold)
        for index, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                ws.write(index, column, spreadsheet_text(value), cell_format(str(header[column]), row, value))

    sheet(
        "summary",
        ["figure", "value"],
        [
            ["round", figures["round"]["number"]],
            ["basis", figures["basis"]],
            ["communities", figures["communities"]],
            ["key informants", figures["informants"]["total"]],
            *[[f"informants {sex} %", share] for sex, share in figures["informants"]["share_by_sex"].items()],
            *[[f"{p['label']} total", p["total"]] for p in figures["populations"]],
            *[[f"{p['label']} communities reporting %", p["share_of_communities"]] for p in figures["populations"]],
            *[
                [f"{p['label']} share in the top {len(p['top_districts'])} districts %", p["top_districts_share"]]
                for p in figures["populations"]
            ],
            *[
                [f"{p['label']} countries", p["countries_count"]]
                for p in figures["populations"]
                if "countries_count" in p
            ],
            *[
                [f"{p['label']} moved within the same district %", p["within_same_district_share"]]
                for p in figures["populations"]
                if "within_same_district_share" in p
            ],
        ],
    )
    sheet(
        "districts",
        ["province", "district or city", "code", "communities"],
        [[d["province"], d["district"], d["code"], d["communities"]] for d in figures["districts"]],
    )
    sheet(
        "informants by type",
        ["type", "informants", "share %"],
        [[t["type"], t["total"], t["share"]] for t in figures["informants"]["by_type"]],
    )
    for p in figures["populations"]:
        code = p["code"]
        sheet(
            f"{code} provinces",
            ["province", "total", "share %"],
            [[r["province"], r["total"], r["share"]] for r in p["by_province"]],
        )
        sheet(
            f"{code} districts",
            ["district", "total", "share %"],
            [[r["district"], r["total"], r["share"]] for r in p["top_districts"]],
        )
        sheet(
            f"{code} yearly", ["year", "total", "change %"], [[r["year"], r["total"], r["change"]] for r in p["yearly"]]
        )
        sheet(f"{code} reasons", ["reason", "share %"], [[r["reason"], r["share"]] for r in p["reasons"]])
        if "top_countries" in p:
            sheet(
                f"{code} countries",
                ["country", "total", "share %"],
                [[r["country"], r["total"], r["share"]] for r in p["top_countries"]],
            )
        if "other_area_by_province" in p:
            sheet(
                f"{code} other area provinces",
                ["province", "share %"],
                [[r["province"], r["share"]] for r in p["other_area_by_province"]],
            )
        if "migration_types" in p:
            sheet(f"{code} types", ["type", "share %"], [[r["type"], r["share"]] for r in p["migration_types"]])
    services = figures["services"]
    sheet(
        "services",
        ["service", "yes %", "no %", "communities answering"],
        [[s["service"], s["yes"], s["no"], s["communities"]] for s in services["availability"]],
    )
    codes = [c for c in services["distance_households"][0] if c not in ("band", "code")]
    sheet(
        "distance households",
        ["distance", *codes],
        [[r["band"], *[r[c] for c in codes]] for r in services["distance_households"]],
    )
    sheet(
        "households beyond km",
        ["farther than (km)", *codes],
        [[r["more_than_km"], *[r[c] for c in codes]] for r in services["households_beyond"]],
    )
    departures = figures["departures"]
    destinations = [d["label"] for d in departures["total"]["destinations"]]
    areas = [*departures["provinces"], {"province": "All provinces", **departures["total"]}]
    sheet(
        "departures",
        [
            "province",
            "villages asked",
            "households left",
            *destinations,
            *[f"{d} %" for d in destinations],
            "houses empty",
            "looked after",
            "looked after %",
            "villages with elderly alone",
            "villages answering on elderly",
        ],
        [
            [
                a["province"],
                a["villages_asked"],
                a["households_left"],
                *[d["households"] for d in a["destinations"]],
                *[d["share"] for d in a["destinations"]],
                a["houses_empty"],
                a["houses_looked_after"],
                a["share_looked_after"],
                a["villages_elderly_alone"],
                a["villages_answered_elderly"],
            ]
            for a in areas
        ],
    )
    sheet(
        "departures yearly",
        ["province", "year", "households left", *destinations],
        [
            [a["province"], y["year"], y["households"], *[y[d["code"]] for d in a["destinations"]]]
            for a in areas
            for y in a["yearly"]
        ],
    )
    if "comparison" in figures:
        comparison = figures["comparison"]
        sheet(
            "comparison",
            ["figure", f"round {comparison['previous_round']}", f"round {figures['round']['number']}", "change %"],
            [
                # Where the "before" column comes from: round N-1's published version, or its live data.
                [
                    f"round {comparison['previous_round']} published version",
                    comparison["before_version"],
                    comparison["before_published_at"],
                ]
                if comparison["before_published"]
                else [f"round {comparison['previous_round']} is not published: its live figures, which may change"],
                ["communities", comparison["communities"]["before"], comparison["communities"]["now"], None],
                *[[c["label"], c["before"], c["now"], c["change"]] for c in comparison["populations"]],
            ],
        )
        sheet(
            "comparison by province",
            ["population", "province", f"round {comparison['previous_round']}", f"round {figures['round']['number']}"]
            + ["change %"],
            [
                [c["label"], r["province"], r["before"], r["now"], r["change"]]
                for c in comparison["populations"]
                for r in c["by_province"]
            ],
        )
    sheet("notes", ["figure", "definition"], [[n["title"], n["definition"]] for n in figures["notes"]])
    book.close()
    return buffer.getvalue()
