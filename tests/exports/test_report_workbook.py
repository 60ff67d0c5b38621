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
    districts = {row[2].value: row for row in book["districts"].iter_rows(min_row=2)}
    province, district, _code, communities = districts["TJ-SU-ASH"]
    assert (province.value, district.value) == ("'@SUM(A1)", "'=1+1")
    assert (province.data_type, district.data_type, communities.value) == ("s", "s", 2)
    code = figures["populations"][0]["code"]
    change = book[f"{code} yearly"]["C3"]
    assert (change.value, change.data_type) == (-12.5, "n")
