"""The two writers: the XLSX workbook (one sheet per table, then the codebook) and the zip of CSV files."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator

from django.db import connection
from django.utils import translation

from bma.core.spreadsheet_text import spreadsheet_text
from bma.exports.dataset.codebook import CODEBOOK_HEADER, CODEBOOK_TITLE, codebook_rows
from bma.exports.dataset.columns import SQL
from bma.exports.dataset.pg_copy import copy_csv
from bma.exports.dataset.tables import tables
from bma.exports.report import counted_assessments, roomy_read_transaction, round_years
from bma.exports.xlsx_stream import StreamingWorkbook

CHUNK = 2000
CSV_COMPRESSION = 1  # deflate level: CSV still shrinks ~5x, several times faster than the default 6


def query_rows(query: SQL) -> Iterator[tuple]:
    """Stream a table's rows as plain tuples, straight from the database cursor.

    The ORM's per-row machinery costs more than writing the cell; on PostgreSQL this is a server-side
    cursor, so memory stays flat however large the round.
    """
    sql, params = query
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def write_xlsx(
    out, round_, *, include_unapproved=False, include_personal=False, hxl=False, progress=None, language="en"
) -> None:
    """Write the dataset workbook to a file object; progress(done_tables, all_tables) is called as it goes.

    Sheet names and the codebook are in ``language`` (the export job's); the header row holds the
    variable names, the same in every language."""
    with translation.override(language):
        _write_xlsx(out, round_, include_unapproved, include_personal, hxl, progress)


def _write_xlsx(out, round_, include_unapproved, include_personal, hxl, progress) -> None:
    assessments = counted_assessments(round_, include_unapproved)
    selected = tables(include_personal, round_years(round_, assessments))
    with roomy_read_transaction(), StreamingWorkbook(out) as book:
        for index, table in enumerate(selected):
            header = [[c.name for c in table.columns]] + ([[c.hxl for c in table.columns]] if hxl else [])
            plain = [i for i, c in enumerate(table.columns) if c.plain]
            book.add_sheet(table.sheet_title, header, query_rows(table.query(assessments)), len(table.columns), plain)
            if progress:
                progress(index + 1, len(selected) + 1)
        codebook_header = [[str(h) for h in CODEBOOK_HEADER]]
        book.add_sheet(str(CODEBOOK_TITLE), codebook_header, codebook_rows(selected, sheet_titles=True), 4)
    if progress:
        progress(len(selected) + 1, len(selected) + 1)


def write_csv_zip(
    out, round_, *, include_unapproved=False, include_personal=False, hxl=False, progress=None, language="en"
) -> None:
    """The same tables as CSV files named by their codes; the codebook's text in ``language``."""
    with translation.override(language):
        _write_csv_zip(out, round_, include_unapproved, include_personal, hxl, progress)


def _write_csv_zip(out, round_, include_unapproved, include_personal, hxl, progress) -> None:
    assessments = counted_assessments(round_, include_unapproved)
    selected = tables(include_personal, round_years(round_, assessments))
    with (
        roomy_read_transaction(),
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=CSV_COMPRESSION) as archive,
    ):
        for index, table in enumerate(selected):
            header = [[c.name for c in table.columns]] + ([[c.hxl for c in table.columns]] if hxl else [])
            with archive.open(f"{table.name}.csv", "w", force_zip64=True) as raw:
                _write_csv(raw, header, table.query(assessments))
            if progress:
                progress(index + 1, len(selected) + 1)
        with archive.open("codebook.csv", "w") as raw:
            _write_csv_rows(raw, [[str(h) for h in CODEBOOK_HEADER], *codebook_rows(selected)])
    if progress:
        progress(len(selected) + 1, len(selected) + 1)


def _write_csv_rows(raw, rows) -> None:
    # A byte-order mark, so Excel opens the UTF-8 (Cyrillic names) correctly.
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    csv.writer(text).writerows([spreadsheet_text(value) for value in row] for row in rows)
    text.flush()
    text.detach()


def _write_csv(raw, header: list[list], query: SQL) -> None:
    if connection.vendor != "postgresql":
        _write_csv_rows(raw, itertools.chain(header, query_rows(query)))
        return
    _write_csv_rows(raw, header)
    copy_csv(query, raw.write)
