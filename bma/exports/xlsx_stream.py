"""A streaming XLSX writer for large flat tables: each sheet's XML goes straight into the zip.

XlsxWriter spends ~16 µs a cell; a 100,000-village round has ~15 million cells. This writer looks
up the XML of values it has already seen (most cells repeat a code, a year or a small count),
formats the others by the value's type, and writes inline strings (no shared-string table to hold
in memory), so memory stays constant and the 100,000-village workbook takes well under a minute. It writes
only what a dataset needs: values, a bold header style and frozen header rows. Every reader we care
about (Excel, LibreOffice, openpyxl/pandas, Kobo's and HDX's importers) reads inline strings. It stays
hand-written only while CI's round trip holds (tests/exports/test_xlsx_stream.py: written here, read
by openpyxl, values equal); a library that streams as fast would replace it.

Dates are real dates (a serial number) shown day, month name, year (03 Dec 2026; Excel names the month
in its reader's language), never a numeric order a reader in Dushanbe or New York could misread;
numbers carry a thousands separator (12,345, or 12 345 in a Russian Excel), except the columns the
caller names plain (years, round numbers), which must not read "2,024".
"""

from __future__ import annotations

import datetime
import math
import re
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from bma.core.spreadsheet_text import spreadsheet_text

MAX_ROWS = 1_048_576  # Excel's limit per sheet
MAX_CELL_CHARS = 32_767  # Excel's limit per cell
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, number = "", index + 1
        while number:
            number, remainder = divmod(number - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _text(value: str) -> str:
    if _ILLEGAL_XML.search(value):
        value = _ILLEGAL_XML.sub("", value)  # XML 1.0 cannot carry these; Excel would refuse the file
    return escape(value[:MAX_CELL_CHARS])


def _string_cell(ref: str, value: str, style: str = "") -> str:
    return f'<c r="{ref}{_string_tail(value, style)}'


def _string_tail(value: str, style: str = "") -> str:
    """A text cell, neutralised against formula injection (core.spreadsheet_text owns the rule)."""
    return _literal_tail(spreadsheet_text(value), style)


def _literal_tail(value: str, style: str = "") -> str:
    return f'"{style} t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>'


# Cell styles (indices into cellXfs in _STYLES).
BOLD, DATE, DATE_TIME, WHOLE, FRACTION = 1, 2, 3, 4, 5
_EPOCH = datetime.datetime(1899, 12, 30)  # Excel's day 0 (it counts the non-existent 29 Feb 1900)


def _serial(value: datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            from django.utils import timezone  # the server's zone (Asia/Dushanbe), as every page shows times

            value = timezone.localtime(value).replace(tzinfo=None)
        delta = value - _EPOCH
        return repr(round(delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000, 10))
    return str((value - _EPOCH.date()).days)


def _tail(value, plain: bool = False) -> str:
    """A cell's XML after its reference (``<c r="B7`` + tail); "" for no cell at all (empty values).
    ``plain``: a number shown as it is, without the thousands separator (a year)."""
    kind = type(value)
    if kind is str:
        return _string_tail(value) if value else ""
    if kind is int:
        return f'"><v>{value}</v></c>' if plain else f'" s="{WHOLE}"><v>{value}</v></c>'
    if kind is Decimal:
        if not value.is_finite():
            return _literal_tail(str(value))  # a number Excel cannot hold ("-Infinity"), not typed text
        style = "" if plain else f' s="{WHOLE if value == value.to_integral_value() else FRACTION}"'
        return f'"{style}><v>{value}</v></c>'
    if kind is float:
        if not math.isfinite(value):
            return _literal_tail(str(value))
        style = "" if plain else f' s="{WHOLE if value.is_integer() else FRACTION}"'
        return f'"{style}><v>{value!r}</v></c>'
    if kind is bool:
        return f'"><v>{int(value)}</v></c>'
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return f'" s="{DATE_TIME}"><v>{_serial(value)}</v></c>'
    if isinstance(value, datetime.date):
        return f'" s="{DATE}"><v>{_serial(value)}</v></c>'
    return _string_tail(str(value))


class _Tails:
    """Cell tails by value. Dataset columns repeat a few values (codes, years, small counts) over
    millions of rows, so most cells cost a dictionary lookup instead of formatting and escaping."""

    LIMIT = 50_000  # distinct values kept; a column of unique names just refills it

    def __init__(self, plain: frozenset[int] = frozenset()):
        self._known: dict = {None: ""}
        self._plain = sorted(plain)
        self._plain_known: dict = {None: ""}

    def of(self, row) -> list[str]:
        tails = list(map(self._known.get, row))
        for index in self._plain:  # a year or a round number: no thousands separator
            if index < len(row):
                value = row[index]
                if value not in self._plain_known:
                    if len(self._plain_known) > self.LIMIT:
                        self._plain_known = {None: ""}
                    self._plain_known[value] = _tail(value, plain=True)
                tails[index] = self._plain_known[value]
        if None in tails:
            if len(self._known) > self.LIMIT:
                self._known = {None: ""}
            for index, tail in enumerate(tails):
                if tail is None:
                    # bool/int/float keys that compare equal (True, 1, 1.0) give the same number in Excel.
                    tails[index] = self._known[row[index]] = _tail(row[index])
        return tails


class StreamingWorkbook:
    """Usage: with StreamingWorkbook(out) as book: book.add_sheet(name, header_rows, rows)."""

    def __init__(self, out, compresslevel: int = 1):
        # Level 1: the XML is repetitive, so it still shrinks ~8x, at several times level 6's speed.
        self._zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._sheets: list[str] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.close()
        else:
            self._zip.close()

    def add_sheet(
        self,
        name: str,
        header_rows: list[list],
        rows: Iterable[list | tuple],
        width: int,
        plain_columns: Iterable[int] = (),
    ) -> int:
        """Write one sheet: header rows in bold and frozen, then the data rows. Returns the data row count.

        ``plain_columns``: indices of number columns written without a thousands separator (years)."""
        name = _SHEET_NAME_FORBIDDEN.sub("_", name)[:31]
        self._sheets.append(name)
        letters = column_letters(width)
        written = 0
        with self._zip.open(f"xl/worksheets/sheet{len(self._sheets)}.xml", "w", force_zip64=True) as raw:
            raw.write(_sheet_start(len(header_rows)).encode())
            for number, header in enumerate(header_rows, start=1):
                cells = "".join(
                    _string_cell(f"{letter}{number}", str(value), f' s="{BOLD}"')
                    for letter, value in zip(letters, header, strict=False)
                    if value not in (None, "")
                )
                raw.write(f'<row r="{number}">{cells}</row>'.encode())
            buffer: list[str] = []
            tails = _Tails(frozenset(plain_columns))
            for number, row in enumerate(rows, start=len(header_rows) + 1):
                if number > MAX_ROWS:
                    raise ValueError(f"sheet {name} has more than {MAX_ROWS:,} rows, Excel's limit; export CSV instead")
                cells = "".join(
                    [
                        f'<c r="{letter}{number}{tail}'
                        for letter, tail in zip(letters, tails.of(row), strict=False)
                        if tail
                    ]
                )
                buffer.append(f'<row r="{number}">{cells}</row>')
                written += 1
                if len(buffer) == 1000:
                    raw.write("".join(buffer).encode())
                    buffer = []
            raw.write(("".join(buffer) + "</sheetData></worksheet>").encode())
        return written

    def close(self) -> None:
        count = len(self._sheets)
        files = {
            "[Content_Types].xml": _content_types(count),
            "_rels/.rels": _ROOT_RELS,
            "xl/workbook.xml": _workbook(self._sheets),
            "xl/_rels/workbook.xml.rels": _workbook_rels(count),
            "xl/styles.xml": _STYLES,
        }
        for path, text in files.items():
            self._zip.writestr(path, text)
        self._zip.close()


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_start(frozen_rows: int) -> str:
    pane = (
        f'<sheetViews><sheetView workbookViewId="0"><pane ySplit="{frozen_rows}" topLeftCell="A{frozen_rows + 1}" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        if frozen_rows
        else ""
    )
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN_NS}">{pane}<sheetData>'


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, count + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)


def _workbook(names: list[str]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(names, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>{sheets}</sheets></workbook>'
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{i}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        f'Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    styles = (
        f'<Relationship Id="rId{count + 1}" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{sheets}{styles}'
        "</Relationships>"
    )


# Style 0 is the default; 1 bold, for header rows; 2 a date and 3 a date and time, day first with the
# full year (no reader can take 03.04.2026 for 4 March); 4 a whole number and 5 a fraction, both with
# a thousands separator (built-in format 3 is #,##0; a fraction keeps up to six decimals, GPS included).
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="dd mmm yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd mmm yyyy hh:mm"/><numFmt numFmtId="166" formatCode="#,##0.0#####"/>'
    "</numFmts>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
