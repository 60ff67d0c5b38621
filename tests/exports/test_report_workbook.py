"""The report workbook: names a spreadsheet would run as formulas arrive as text, numbers as numbers."""

import io

import pytest
from openpyxl import load_workbook

from bma.exports.report import round_figures
from bma.exports.report_workbook import figures_workbook
from bma.geo.models import AdminArea

pytestmark = pytest.mark.django_db


def test_formula_like_names_arrive_as_text_and_negative_changes_stay_numbers(two_villages):
    AdminArea.objects.filter(code="TJ-SU").update(name_en="@SUM(A1)")
    AdminArea.objects.filter(code="TJ-SU-ASH").update(name_en="=1+1")
    figures = round_figures(two_villages)
    figures["populations"][0]["yearly"][1]["change"] = -12.5  # a fall from one year to the next
    book = load_workbook(io.BytesIO(figures_workbook(figures)))
    districts = {row[2].value: row for row in book["Districts"].iter_rows(min_row=2)}
    province, district, _code, communities = districts["TJ-SU-ASH"]
    assert (province.value, district.value) == ("'@SUM(A1)", "'=1+1")
    assert (province.data_type, district.data_type, communities.value) == ("s", "s", 2)
    assert figures["populations"][0]["code"] == "imw"
    change = book["Migrant workers – by year"]["C3"]
    assert (change.value, change.data_type) == (-12.5, "n")


def test_the_workbook_speaks_the_readers_language_with_columns_as_wide_as_their_cells(client, departures, personas):
    from bma.exports.report_workbook import MAX_WIDTH, SHEET_NAME_LENGTH

    client.force_login(personas.coordinator)
    client.post("/language/", {"language": "tg", "next": "/"})
    book = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{departures.number}/xlsx/").content))
    assert book.sheetnames[0] == "Хулоса" and "Баргаштагон – солҳо" in book.sheetnames
    assert all(len(name) <= SHEET_NAME_LENGTH for name in book.sheetnames)
    assert not any(code in name for name in book.sheetnames for code in ("ret ", "imw ", "yearly", "share"))
    yearly = book["Баргаштагон – солҳо"]
    assert [cell.value for cell in yearly[1]] == ["Сол", "Ҳамагӣ", "Тағйир нисбат ба соли гузашта, %"]
    provinces = book["Баргаштагон – вилоятҳо"]
    assert provinces["A2"].value == "Вилояти Суғд"
    # Each column as wide as its longest cell (the header here), within bounds.
    width = provinces.column_dimensions["C"].width
    assert len("Ҳисса, %") + 2 <= width <= MAX_WIDTH
    departures_sheet = book["Оилаҳое, ки пурра рафтанд"]
    assert departures_sheet.column_dimensions["J"].width >= len(str(departures_sheet["J1"].value))
