"""The round report's tables as an XLSX workbook, one sheet each (the live download and published versions).

Sheet names and headers are in the active language, as the figures' labels are (figures_in_language): a
coordinator reads "Вернувшиеся мигранты – Динамика по годам", not the code "ret yearly". Each column is
as wide as its longest cell."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bma.core.dates import in_words
from bma.core.spreadsheet_text import spreadsheet_text

# Shares and changes as report_math.share_shown prints them, as Excel number formats: the cell keeps the
# number, the reader sees "<1" for a share above 0 and below 1 and "+12" for a change. Excel allows two
# conditions in a format, so a change between -1 and +1 reads "+0" or "-0" here (the page says "+<1").
SHARE_FORMAT = '[>=1]#,##0;[>0]"<1";0'
CHANGE_FORMAT = "+#,##0;-#,##0;0"


TEXT, COUNT, SHARE, CHANGE, YEAR = "text", "count", "share", "change", "year"
# Column widths in characters: wide enough for the longest cell or header, never so wide a sheet scrolls.
MIN_WIDTH, MAX_WIDTH = 8, 60
SHEET_NAME_LENGTH = 31  # Excel's limit
# A population's sheets are named "<population> – <table>" in short words, as both must fit 31 characters
# in Russian and Tajik too (the summary uses the full names). Translated with the context "sheet name"
# (pgettext where they are used), apart from the same English words elsewhere.
SHEET_POPULATIONS = {
    "imw": "Migrant workers",
    "ret": "Returnees",
    "emi": "Emigrants",
    "imi": "Internal arrivals",
    "ioi": "Internal leavers",
}
SHEET_TABLES = {
    "by_province": "provinces",
    "top_districts": "districts",
    "yearly": "by year",
    "reasons": "reasons",
    "top_countries": "countries",
    "other_area_by_province": "other areas",
    "migration_types": "types",
}


def _percent(title: str) -> str:
    return f"{title}, %"


def _shown_length(value) -> int:
    """About how many characters a cell shows (a count with its thousands separators)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return len(f"{value:,.0f}")
    return max((len(line) for line in str(value if value is not None else "").splitlines()), default=0)


def sheet_name(title: str, used: set[str], *, prefix: str = "") -> str:
    """A sheet's name in the reader's language, within Excel's 31 characters and unique in the book:
    ``prefix`` (a population's name) is shortened first, so the table's own name stays whole."""
    forbidden = str.maketrans({c: " " for c in "[]:*?/\\"})
    title, prefix = title.translate(forbidden).strip(), prefix.translate(forbidden).strip()
    name = f"{prefix} – {title}" if prefix else title
    if len(name) > SHEET_NAME_LENGTH and prefix:
        room = SHEET_NAME_LENGTH - len(title) - len(" – ") - 1
        name = f"{prefix[:room].rstrip()}… – {title}" if room > 3 else title
    name = name[:SHEET_NAME_LENGTH]
    unique, number = name, 2
    while unique.lower() in used:
        suffix = f" ({number})"
        unique, number = name[: SHEET_NAME_LENGTH - len(suffix)] + suffix, number + 1
    used.add(unique.lower())
    return unique


def figures_workbook(figures: dict, language: str | None = None) -> bytes:
    """The report's tables, one sheet each, for coordinators who lay out the published report: sheet
    names and headers in ``language``, else the active one (the figures' labels are to be in it already:
    figures_in_language), the columns as wide as what they hold."""
    if language is not None:
        with translation.override(language):
            return figures_workbook(figures)
    buffer = io.BytesIO()
    # No text becomes a formula: names are neutralised (spreadsheet_text) and, should one slip through,
    # XlsxWriter writes a string starting with "=" as text rather than as a formula.
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    bold = book.add_format({"bold": True})
    # Whole numbers with a thousands separator (the spreadsheet shows it in the reader's locale: 2,581 or
    # 2 581); a year column stays as it is (2023, not 2,023).
    formats = {
        COUNT: book.add_format({"num_format": "#,##0"}),
        SHARE: book.add_format({"num_format": SHARE_FORMAT}),
        CHANGE: book.add_format({"num_format": CHANGE_FORMAT}),
    }
    used: set[str] = set()

    def cell_format(kind: str, value):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if kind == COUNT and not isinstance(value, int):
            return None
        return formats.get(kind)

    def sheet(name, columns, rows, *, prefix: str = "", row_kinds=None):
        """``columns``: (header, kind) pairs; ``row_kinds``: for a sheet of mixed rows (the summary), each
        row's kind, applied to its figure column."""
        ws = book.add_worksheet(sheet_name(name, used, prefix=prefix))
        header = [title for title, _kind in columns]
        ws.write_row(0, 0, [spreadsheet_text(title) for title in header], bold)
        widths = [_shown_length(title) for title in header]
        for index, row in enumerate(rows, start=1):
            for column, value in enumerate(row):
                kind = columns[column][1] if column < len(columns) else TEXT
                if row_kinds is not None and column == 1:
                    kind = row_kinds[index - 1]
                ws.write(index, column, spreadsheet_text(value), cell_format(kind, value))
                if column < len(widths):
                    widths[column] = max(widths[column], _shown_length(value))
        for column, width in enumerate(widths):
            ws.set_column(column, column, min(MAX_WIDTH, max(MIN_WIDTH, width + 2)))
        ws.freeze_panes(1, 0)

    populations = figures["populations"]
    summary = [
        (_("Round"), figures["round"]["number"], TEXT),
        (_("Figures from"), _(figures["basis"]), TEXT),
        (_("Communities assessed"), figures["communities"], COUNT),
        (_("Key informant interviews"), figures["informants"]["total"], COUNT),
        *[
            (_percent(_("Key informants: %(sex)s") % {"sex": sex}), share, SHARE)
            for sex, share in figures["informants"]["share_by_sex"].items()
        ],
        *[(f"{p['label']}: {_('Total')}", p["total"], COUNT) for p in populations],
        *[
            (_percent(f"{p['label']}: {_('Share of the assessed communities')}"), p["share_of_communities"], SHARE)
            for p in populations
        ],
        *[
            (_percent(f"{p['label']}: {_('Share in the top districts')}"), p["top_districts_share"], SHARE)
            for p in populations
        ],
        *[
            (f"{p['label']}: {_('Countries')}", p["countries_count"], COUNT)
            for p in populations
            if "countries_count" in p
        ],
        *[
            (_percent(f"{p['label']}: {_('Moved within the same district')}"), p["within_same_district_share"], SHARE)
            for p in populations
            if "within_same_district_share" in p
        ],
    ]
    sheet(
        _("Summary"),
        [(_("Figure"), TEXT), (_("Value"), COUNT)],
        [[label, value] for label, value, _kind in summary],
        row_kinds=[kind for _label, _value, kind in summary],
    )
    sheet(
        _("Districts"),
        [(_("Province"), TEXT), (_("District or city"), TEXT), (_("Code"), TEXT), (_("Communities"), COUNT)],
        [[d["province"], d["district"], d["code"], d["communities"]] for d in figures["districts"]],
    )
    sheet(
        _("Key informants by type"),
        [(_("Type"), TEXT), (_("Informants"), COUNT), (_percent(_("Share")), SHARE)],
        [[t["type"], t["total"], t["share"]] for t in figures["informants"]["by_type"]],
    )
    share_column = (_percent(_("Share")), SHARE)
    for p in populations:
        label = pgettext("sheet name", SHEET_POPULATIONS[p["code"]]) if p["code"] in SHEET_POPULATIONS else p["label"]
        sheet(
            pgettext("sheet name", SHEET_TABLES["by_province"]),
            [(_("Province"), TEXT), (_("Total"), COUNT), share_column],
            [[r["province"], r["total"], r["share"]] for r in p["by_province"]],
            prefix=label,
        )
        sheet(
            pgettext("sheet name", SHEET_TABLES["top_districts"]),
            [(_("District"), TEXT), (_("Total"), COUNT), share_column],
            [[r["district"], r["total"], r["share"]] for r in p["top_districts"]],
            prefix=label,
        )
        sheet(
            pgettext("sheet name", SHEET_TABLES["yearly"]),
            [(_("Year"), YEAR), (_("Total"), COUNT), (_percent(_("Change on the year before")), CHANGE)],
            [[r["year"], r["total"], r["change"]] for r in p["yearly"]],
            prefix=label,
        )
        sheet(
            pgettext("sheet name", SHEET_TABLES["reasons"]),
            [(_("Reason"), TEXT), share_column],
            [[r["reason"], r["share"]] for r in p["reasons"]],
            prefix=label,
        )
        if "top_countries" in p:
            sheet(
                pgettext("sheet name", SHEET_TABLES["top_countries"]),
                [(_("Country"), TEXT), (_("Total"), COUNT), share_column],
                [[r["country"], r["total"], r["share"]] for r in p["top_countries"]],
                prefix=label,
            )
        if "other_area_by_province" in p:
            sheet(
                pgettext("sheet name", SHEET_TABLES["other_area_by_province"]),
                [(_("Province"), TEXT), share_column],
                [[r["province"], r["share"]] for r in p["other_area_by_province"]],
                prefix=label,
            )
        if "migration_types" in p:
            sheet(
                pgettext("sheet name", SHEET_TABLES["migration_types"]),
                [(_("Type"), TEXT), share_column],
                [[r["type"], r["share"]] for r in p["migration_types"]],
                prefix=label,
            )
    services = figures["services"]
    sheet(
        _("Services"),
        [
            (_("Service"), TEXT),
            (_percent(_("Yes")), SHARE),
            (_percent(_("No")), SHARE),
            (_("Communities answering"), COUNT),
        ],
        [[s["service"], s["yes"], s["no"], s["communities"]] for s in services["availability"]],
    )
    codes = [c for c in services["distance_households"][0] if c not in ("band", "code")]
    service_names = {s["code"]: s["service"] for s in services["availability"]}
    service_columns = [(service_names.get(c, c), COUNT) for c in codes]
    sheet(
        _("Travel distance"),
        [(_("Travel distance"), TEXT), *service_columns],
        [[r["band"], *[r[c] for c in codes]] for r in services["distance_households"]],
    )
    sheet(
        _("Households travelling farther than"),
        [(_("Farther than (km)"), YEAR), *service_columns],
        [[r["more_than_km"], *[r[c] for c in codes]] for r in services["households_beyond"]],
    )
    departures = figures["departures"]
    destinations = [d["label"] for d in departures["total"]["destinations"]]
    areas = [*departures["provinces"], {"province": _("All provinces"), **departures["total"]}]
    sheet(
        _("Families who left entirely"),
        [
            (_("Province"), TEXT),
            (_("Villages asked"), COUNT),
            (_("Households that left"), COUNT),
            *[(d, COUNT) for d in destinations],
            *[(_percent(d), SHARE) for d in destinations],
            (_("Houses empty"), COUNT),
            (_("Looked after"), COUNT),
            (_percent(_("Looked after")), SHARE),
            (_("Villages with elderly alone"), COUNT),
            (_("Villages answering about the elderly"), COUNT),
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
        _("Households that left, by year"),
        [
            (_("Province"), TEXT),
            (_("Year"), YEAR),
            (_("Households that left"), COUNT),
            *[(d, COUNT) for d in destinations],
        ],
        [
            [a["province"], y["year"], y["households"], *[y[d["code"]] for d in a["destinations"]]]
            for a in areas
            for y in a["yearly"]
        ],
    )
    if "comparison" in figures:
        comparison = figures["comparison"]
        before = _("Round %(n)s") % {"n": comparison["previous_round"]}
        now = _("Round %(n)s") % {"n": figures["round"]["number"]}
        change = (_percent(_("Change")), CHANGE)
        sheet(
            _("Compared with Round %(n)s") % {"n": comparison["previous_round"]},
            [(_("Figure"), TEXT), (before, COUNT), (now, COUNT), change],
            [
                # Where the "before" column comes from: round N-1's published version, or its live data.
                [
                    _("Round %(n)s as published: version %(v)s, %(at)s.")
                    % {
                        "n": comparison["previous_round"],
                        "v": comparison["before_version"],
                        "at": in_words(comparison["before_published_at"]),
                    },
                    comparison["before_version"],  # the version as a number too, for a script
                ]
                if comparison["before_published"]
                else [
                    _(
                        "Round %(n)s has no published report: its figures here are computed from its data as it "
                        "is now and may still change."
                    )
                    % {"n": comparison["previous_round"]}
                ],
                [_("Communities"), comparison["communities"]["before"], comparison["communities"]["now"], None],
                *[[c["label"], c["before"], c["now"], c["change"]] for c in comparison["populations"]],
            ],
        )
        sheet(
            _("By province"),
            [(_("Population"), TEXT), (_("Province"), TEXT), (before, COUNT), (now, COUNT), change],
            [
                [c["label"], r["province"], r["before"], r["now"], r["change"]]
                for c in comparison["populations"]
                for r in c["by_province"]
            ],
            prefix=_("Change"),
        )
    sheet(
        _("Notes"),
        [(_("Figure"), TEXT), (_("Definition"), TEXT)],
        [[n["title"], n["definition"]] for n in figures["notes"]],
    )
    book.close()
    return buffer.getvalue()
