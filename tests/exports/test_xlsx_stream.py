"""The streaming XLSX writer: what spreadsheet readers get back from it."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from bma.exports.xlsx_stream import StreamingWorkbook, column_letters


def _written(sheets) -> bytes:
    out = io.BytesIO()
    with StreamingWorkbook(out) as book:
        for name, header, rows, width in sheets:
            book.add_sheet(name, header, rows, width)
    return out.getvalue()


def test_values_come_back_as_written_with_types_and_gaps():
    rows = [
        ["Шайдон & <Oshoba>", 12, 38.5601, Decimal("70.25"), True, datetime.date(2026, 11, 22), None, ""],
        ["  leading spaces", -3, 0.0, Decimal("0"), False, datetime.datetime(2026, 11, 22, 9, 30), "x\x01y", "ok"],
    ]
    data = _written([("villages", [["name", "n", "lat", "lon", "flag", "date", "gap", "last"]], rows, 8)])
    sheet = load_workbook(io.BytesIO(data))["villages"]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["name", "n", "lat", "lon", "flag", "date", "gap", "last"]
    assert values[1] == ["Шайдон & <Oshoba>", 12, 38.5601, 70.25, 1, datetime.datetime(2026, 11, 22), None, None]
    assert values[2] == ["  leading spaces", -3, 0, 0, 0, datetime.datetime(2026, 11, 22, 9, 30), "xy", "ok"]
    assert sheet["A1"].font.bold and not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"


def test_several_sheets_keep_their_order_and_safe_names():
    data = _written([("one", [["a"]], [[1]], 1), ("two/three", [["b"], ["#hxl"]], [[2], [3]], 1)])
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == ["one", "two_three"]
    assert [r[0] for r in book["two_three"].iter_rows(values_only=True)] == ["b", "#hxl", 2, 3]
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_columns_past_z_are_lettered_as_excel_does():
    assert column_letters(28)[-3:] == ["Z", "AA", "AB"]
    assert column_letters(703)[-1] == "AAA"
    row = list(range(30))
    sheet = load_workbook(io.BytesIO(_written([("wide", [], [row], 30)])))["wide"]
    assert [c.value for c in sheet[1]] == row


def test_a_failed_sheet_leaves_no_workbook_claiming_to_be_complete():
    def broken_rows():
        yield [1]
        raise RuntimeError("database went away")

    out = io.BytesIO()
    with pytest.raises(RuntimeError), StreamingWorkbook(out) as book:
        book.add_sheet("one", [["a"]], broken_rows(), 1)
    assert "xl/workbook.xml" not in zipfile.ZipFile(io.BytesIO(out.getvalue())).namelist()


def test_dates_read_day_month_year_and_numbers_have_thousands_separators_but_years_do_not():
    rows = [[datetime.date(2026, 4, 3), datetime.datetime(2026, 4, 3, 14, 5), 12345, Decimal("40.781234"), 2024]]
    data = _written_plain([("villages", [["date", "at", "households", "lat", "year"]], rows, 5, [4])])
    sheet = load_workbook(io.BytesIO(data))["villages"]

    date, at, households, lat, year = sheet[2]
    assert (date.value, date.number_format) == (datetime.datetime(2026, 4, 3), "dd mmm yyyy")
    assert (at.value, at.number_format) == (datetime.datetime(2026, 4, 3, 14, 5), "dd mmm yyyy hh:mm")
    assert (households.value, households.number_format) == (12345, "#,##0")
    assert lat.value == pytest.approx(40.781234) and lat.number_format == "#,##0.0#####"
    assert (year.value, year.number_format) == (2024, "General")  # not "2,024"


def test_an_aware_time_is_written_in_the_servers_zone(settings):
    settings.TIME_ZONE = "Asia/Dushanbe"
    utc = datetime.datetime(2026, 4, 3, 9, 0, tzinfo=datetime.UTC)
    sheet = load_workbook(io.BytesIO(_written_plain([("t", [["at"]], [[utc]], 1, [])])))["t"]
    assert sheet["A2"].value == datetime.datetime(2026, 4, 3, 14, 0)  # UTC+5


def _written_plain(sheets) -> bytes:
    out = io.BytesIO()
    with StreamingWorkbook(out) as book:
        for name, header, rows, width, plain in sheets:
            book.add_sheet(name, header, rows, width, plain_columns=plain)
    return out.getvalue()


def test_a_dataset_sheet_round_trips_through_openpyxl():
    """The hand-written writer is kept only while this holds: what it writes, openpyxl reads back equal,
    cell for cell (numbers, Russian and Tajik text, dates, empty cells inside and at the end of a row)."""
    rows = [
        [
            "V-ASH-0001",
            "Шайдон",
            "Ҳисор, Ғозималик, Қӯрғонтеппа, Ҷиликӯл",
            2023,
            1_234_567,
            -7,
            0.5,
            datetime.date(2026, 12, 7),
        ],
        ["V-ASH-0002", "Ёва (Ёвон) — ёғ, ӯ, ӣ, ҳ, ҷ, қ, ғ", None, 2024, 0, 42, 38.56012, None],
        ["", "Oshoba", 'ASCII & <markup> "quoted"', None, None, None, None, datetime.datetime(2026, 1, 31, 23, 59)],
    ]
    header = [["code", "name", "note", "year", "count", "change", "share", "date"]]
    data = _written_plain([("villages", header, iter(rows), 8, [3]), ("пустой", header, iter([]), 8, [])])
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["villages", "пустой"]
    read = [list(row) for row in book["villages"].iter_rows(values_only=True)]
    expected = [
        [None if value == "" else value for value in row]
        for row in rows  # an empty string is an empty cell
    ]
    # A date comes back as openpyxl reads every date cell: a datetime at midnight.
    expected[0][7] = datetime.datetime(2026, 12, 7)
    assert read == header + expected
    assert [list(row) for row in book["пустой"].iter_rows(values_only=True)] == header
