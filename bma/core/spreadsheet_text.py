"""Text bound for a spreadsheet, neutralised against formula injection: the one owner of the rule.

A cell of text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula when a CSV is opened (and when an XLSX cell is edited), so a
village name typed on a tablet as ``=HYPERLINK(...)`` would run on a coordinator's machine. As OWASP
advises, such text gets a single quote in front: the reader sees the text, nothing is evaluated.

Only text is touched: numbers (a negative count or latitude) are numbers and pass unchanged; a "-5"
typed by a user is text and is neutralised. Every CSV and XLSX writer of the project calls
``spreadsheet_text`` on its cells; the PostgreSQL COPY path, which formats its CSV in the database,
wraps each text column in ``spreadsheet_text_sql``, built from the same characters. Files read by
devices (the village lists for ODK Collect) are not spreadsheets and are left as they are.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PREFIX = "'"


def spreadsheet_text(value):
    """``value`` with a quote in front when it is text a spreadsheet would read as a formula; any
    other value (numbers, dates, None) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return PREFIX + value
    return value


def _sql_literal(text: str) -> str:
    # E'' literals, so a tab and a carriage return are written as escapes, not raw bytes in the SQL.
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\t", "\\t").replace("\r", "\\r")
    return f"E'{escaped}'"


_STARTS_SQL = ", ".join(_sql_literal(start) for start in FORMULA_STARTS)


def spreadsheet_text_sql(column: str) -> str:
    """The SQL (PostgreSQL) of ``spreadsheet_text`` applied to a text column expression."""
    return f"CASE WHEN left({column}, 1) IN ({_STARTS_SQL}) THEN {_sql_literal(PREFIX)} || {column} ELSE {column} END"


def spreadsheet_text_read(value):
    """The text a neutralised cell stood for (the quote taken off again), so a file exported from the
    admin imports back unchanged; any other value unchanged."""
    if isinstance(value, str) and value.startswith(PREFIX) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SpreadsheetSafeResource:
    """Mixin for a django-import-export resource: exported text cells neutralised, and the quote taken
    off on import, so the admin's CSV/XLSX export carries no formula and still round-trips."""

    def export_field(self, field, instance, **kwargs):
        from import_export.widgets import NumberWidget  # only this mixin needs the library

        value = super().export_field(field, instance, **kwargs)
        # A number column is rendered as a string ("-5.5") by the library: it stays a number.
        return value if isinstance(field.widget, NumberWidget) else spreadsheet_text(value)

    def before_import_row(self, row, **kwargs):
        for key, value in list(row.items()):
            row[key] = spreadsheet_text_read(value)
        super().before_import_row(row, **kwargs)
