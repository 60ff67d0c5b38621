"""Formula injection: one rule for text bound for a spreadsheet, the same in Python and in SQL."""

import pytest
import tablib
from django.conf import settings
from django.db import connection

from bma.core.spreadsheet_text import spreadsheet_text, spreadsheet_text_read, spreadsheet_text_sql

CASES = {
    "=1+1": "'=1+1",
    "@SUM(A1)": "'@SUM(A1)",
    "-2+3": "'-2+3",
    "+992 92 555 1234": "'+992 92 555 1234",
    "\tTabkent": "'\tTabkent",
    "\rCrobod": "'\rCrobod",
    "Oshoba": "Oshoba",
    "Sarichashma = 2": "Sarichashma = 2",
    "'=already quoted": "'=already quoted",
    "": "",
}


def test_text_a_spreadsheet_would_run_gets_a_quote_and_numbers_stay_numbers():
    assert {text: spreadsheet_text(text) for text in CASES} == CASES
    assert [spreadsheet_text(v) for v in (-5, -2.5, None, True)] == [-5, -2.5, None, True]
    assert all(spreadsheet_text_read(spreadsheet_text(text)) == text for text in CASES if text[:1] != "'")


@pytest.mark.django_db
def test_the_sql_of_the_copy_path_agrees_with_the_python_rule():
    if not settings.IS_POSTGRES:
        pytest.skip("the COPY path's SQL runs on PostgreSQL only")
    with connection.cursor() as cursor:
        for text, expected in CASES.items():
            cursor.execute(f"SELECT {spreadsheet_text_sql('typed')} FROM (SELECT %s::text AS typed) AS t", [text])
            assert cursor.fetchone()[0] == expected, text


@pytest.mark.django_db
def test_the_admins_village_export_is_neutralised_and_imports_back_unchanged(geo):
    from bma.geo.models import Settlement
    from bma.geo.resources import SettlementResource

    Settlement.objects.filter(code="V-ASH-0001").update(name_en="=1+1", latitude=-12.5)
    exported = SettlementResource().export()
    row = next(r for r in exported.dict if r["code"] == "V-ASH-0001")
    assert row["name_en"] == "'=1+1" and float(row["latitude"]) == -12.5
    Settlement.objects.filter(code="V-ASH-0001").update(name_en="changed")
    data = tablib.Dataset(headers=exported.headers)
    data.append(list(row.values()))
    assert not SettlementResource().import_data(data, raise_errors=True).has_errors()
    assert Settlement.objects.get(code="V-ASH-0001").name_en == "=1+1"
