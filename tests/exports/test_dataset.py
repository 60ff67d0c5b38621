"""Round datasets: XLSX and CSV, a codebook, personal data only with the permission, built as a job."""

import csv
import datetime
import io
import zipfile

import pytest
from openpyxl import load_workbook

from bma.core.errors import BmaError
from bma.exports.dataset import write_csv_zip, write_xlsx
from bma.exports.models import ExportJob, ExportState
from bma.exports.tasks import export_job_start

pytestmark = pytest.mark.django_db


def test_xlsx_has_a_wide_row_per_village_long_tables_and_a_codebook(two_villages):
    out = io.BytesIO()
    write_xlsx(out, two_villages, hxl=True)
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert {"villages", "countries", "reasons", "yearly", "services", "informants", "codebook"} <= set(book.sheetnames)
    assert "informant_contacts" not in book.sheetnames
    rows = list(book["villages"].iter_rows(values_only=True))
    header, hxl, *villages = rows
    assert hxl[header.index("village_code")] == "#loc+code"
    first = dict(zip(header, villages[0], strict=False))
    assert (first["village_code"], first["province"], first["households"], first["imw_total"]) == (
        "V-ASH-0001",
        "Sughd",
        420,
        12,
    )
    assert (first["informants"], first["informants_female"], first["ret_2023"]) == (2, 1, None)
    assert len(villages) == 2
    codebook = {(r[0], r[1]) for r in book["codebook"].iter_rows(min_row=2, values_only=True)}
    assert ("villages", "imw_total") in codebook and ("codes", "reason=work_permit") in codebook


def test_csv_zip_has_the_same_tables(two_villages):
    out = io.BytesIO()
    write_csv_zip(out, two_villages)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert {"villages.csv", "countries.csv", "codebook.csv"} <= set(archive.namelist())
    countries = list(csv.reader(io.TextIOWrapper(archive.open("countries.csv"), encoding="utf-8-sig")))
    assert countries[0] == ["record_id", "village_code", "population", "country", "count"]
    assert ["uuid:342071ed-911c-4e50-9659-3f73b09c383c", "V-ASH-0001", "imw", "AF", "9"] in countries


def _csv_tables(round_) -> dict[str, list[dict]]:
    out = io.BytesIO()
    write_csv_zip(out, round_)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    return {
        name.removesuffix(".csv"): list(
            csv.DictReader(io.TextIOWrapper(archive.open(name), encoding="utf-8-sig", newline=""))
        )
        for name in archive.namelist()
    }


def test_a_rounds_own_b2_exports_departures_empty_houses_and_migration_type(receive, personas):
    from bma.assessments import models as am
    from bma.xforms.services import b2_publish_for_round

    b2_publish_for_round(personas.round, entity_list=False)  # the fixture's version
    receive("b2_round_20261207002.xml")
    am.VillageAssessment.objects.update(review_state=am.ReviewState.APPROVED)
    tables = _csv_tables(personas.round)
    [village] = tables["villages"]
    assert village["imw_migration_type"] == "long_term" and village["emi_migration_type"] == ""
    assert (village["households_left_2022"], village["households_left_2023"], village["households_left_2020"]) == (
        "14",
        "31",
        "",
    )
    assert (village["houses_empty"], village["houses_looked_after"], village["elderly_alone"]) == ("48", "30", "yes")
    assert [(d["year"], d["households"], d["destination"]) for d in tables["departures"]] == [
        ("2021", "0", ""),
        ("2022", "14", "abroad"),
        ("2023", "31", "another_district"),
    ]
    assert {"SE"} <= {c["country"] for c in tables["countries"]}
    codebook = {(r["table"], r["column"]): r["meaning"] for r in tables["codebook"]}
    assert codebook[("codes", "country=SE")] == "Sweden / Швеция / Шветсия"
    assert "not a country of ISO 3166-1" in codebook[("codes", "country=ZZ")]
    assert codebook[("codes", "destination=abroad")].startswith("Abroad")
    assert "No single year can be more than the total" in codebook[("definitions", "yearly")]
    assert "each person counted once" in codebook[("villages", "imw_total")]


def test_typed_in_villages_keep_their_rows_apart_by_record(receive, personas):
    """Two villages typed in: whether or not they are linked yet, every row names the record it belongs to."""
    from bma.assessments import models as am

    for n, name in enumerate(("Qwertikent", "Zyxwobod")):
        receive(
            "b2_2026112202.xml",
            {
                "uuid:342071ed-911c-4e50-9659-3f73b09c383c": f"uuid:typed-{n}",
                "<village>V-ASH-0001</village>": f"<village>other</village><village_other>{name}</village_other>",
            },
        )
    am.VillageAssessment.objects.update(review_state=am.ReviewState.APPROVED)
    tables = _csv_tables(personas.round)
    assert sorted(v["record_id"] for v in tables["villages"]) == ["uuid:typed-0", "uuid:typed-1"]
    by_record = {}
    for row in tables["countries"]:
        by_record.setdefault(row["record_id"], []).append(row["country"])
    assert by_record == {"uuid:typed-0": ["AF", "CN", "RU"], "uuid:typed-1": ["AF", "CN", "RU"]}


def test_personal_data_needs_the_permission(two_villages, personas):
    with pytest.raises(BmaError, match="personal-data permission"):
        export_job_start(round=two_villages, user=personas.coordinator, include_personal=True)
    out = io.BytesIO()
    write_xlsx(out, two_villages, include_personal=True)
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    phones = [r[4] for r in book["informant_contacts"].iter_rows(min_row=2, values_only=True)]
    assert "'+992 92 555 1234" in phones  # text led by "+", so neutralised as any formula-like text


def test_export_job_runs_in_the_worker_and_is_downloaded(
    client, two_villages, personas, tasks_in_process, django_capture_on_commit_callbacks
):
    client.force_login(personas.coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/exports/", {"round": two_villages.number, "format": "csv"}, content_type="application/json"
        )
    assert response.status_code == 202
    job = ExportJob.objects.get(pk=response.json()["id"])
    assert (job.state, job.progress) == (ExportState.DONE, 100)
    status = client.get(f"/api/exports/{job.pk}/").json()
    download = client.get(status["download_url"])
    assert download.status_code == 200
    assert "villages.csv" in zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    client.force_login(personas.supervisor)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 403


def test_service_availability_is_one_or_zero_in_both_formats(two_villages):
    xlsx, archive = io.BytesIO(), io.BytesIO()
    write_xlsx(xlsx, two_villages)
    write_csv_zip(archive, two_villages)
    sheet = load_workbook(io.BytesIO(xlsx.getvalue()), read_only=True)["services"]
    from_xlsx = {(r[1], r[2]): r[3] for r in sheet.iter_rows(min_row=2, values_only=True)}
    with zipfile.ZipFile(io.BytesIO(archive.getvalue())) as unzipped, unzipped.open("services.csv") as services:
        rows = list(csv.reader(io.TextIOWrapper(services, encoding="utf-8-sig")))[1:]
    from_csv = {(r[1], r[2]): r[3] for r in rows}
    assert (from_xlsx[("V-ASH-0001", "clinic")], from_xlsx[("V-ASH-0002", "clinic")]) == (1, 0)
    assert (from_csv[("V-ASH-0001", "clinic")], from_csv[("V-ASH-0002", "clinic")]) == ("1", "0")


def test_yearly_columns_are_the_rounds_years(two_villages):
    two_villages.reference_start = two_villages.reference_start.replace(year=2022)
    two_villages.reference_end = two_villages.reference_end.replace(year=2025)
    two_villages.save()
    out = io.BytesIO()
    write_csv_zip(out, two_villages)
    with zipfile.ZipFile(out) as archive:
        header = next(csv.reader(io.TextIOWrapper(archive.open("villages.csv"), "utf-8")))
    assert [c for c in header if c.startswith("imw_20")] == ["imw_2022", "imw_2023", "imw_2024", "imw_2025"]


def _job_workbook(job):
    from bma.exports.services import export_job_run

    job = export_job_run(job.pk)
    with job.file.open("rb") as f:
        return load_workbook(io.BytesIO(f.read()))


def test_a_russian_export_names_its_sheets_and_codebook_in_russian_and_keeps_the_variable_names(two_villages, personas):
    from bma.core.languages import user_language_set

    english = _job_workbook(export_job_start(round=two_villages, user=personas.coordinator))
    user_language_set(personas.coordinator, "ru")
    job = export_job_start(round=two_villages, user=personas.coordinator)
    russian = _job_workbook(job)

    assert job.language == "ru"
    assert english.sheetnames[:2] == ["villages", "countries"] and english.sheetnames[-1] == "codebook"
    assert russian.sheetnames[:2] == ["сёла", "страны"] and russian.sheetnames[-1] == "кодовая книга"
    assert "выборочные проверки" in russian.sheetnames and len(russian.sheetnames) == len(english.sheetnames)
    header = [c.value for c in russian["сёла"][1]]
    assert header == [c.value for c in english["villages"][1]]  # variable names: the same in every language
    codebook = {(r[0], r[1]): r[2] for r in russian["кодовая книга"].iter_rows(min_row=2, values_only=True)}
    assert [c.value for c in russian["кодовая книга"][1]] == ["таблица", "столбец", "значение", "hxl"]
    assert codebook[("сёла", "round")] == "Номер раунда"
    assert codebook[("сёла", "imw_total")].startswith("Иностранные трудовые мигранты: всего.")
    assert ("коды", "reason=work_permit") in codebook


def test_a_tajik_export_asked_for_explicitly_writes_the_csv_codebook_in_tajik_with_table_codes(two_villages, personas):
    from bma.exports.services import export_job_run

    job = export_job_run(
        export_job_start(round=two_villages, user=personas.coordinator, format="csv", language="tg").pk
    )
    with job.file.open("rb") as f, zipfile.ZipFile(io.BytesIO(f.read())) as archive:
        assert "villages.csv" in archive.namelist()  # file names are the table codes
        rows = list(csv.reader(io.TextIOWrapper(archive.open("codebook.csv"), encoding="utf-8-sig")))
    assert rows[0] == ["ҷадвал", "сутун", "маъно", "hxl"]
    assert ["villages", "round", "Рақами давр", "#round+num"] in rows


def test_dates_are_real_day_month_year_dates_and_counts_have_thousands_separators(two_villages):
    out = io.BytesIO()
    write_xlsx(out, two_villages)
    sheet = load_workbook(io.BytesIO(out.getvalue()))["villages"]
    header = [c.value for c in sheet[1]]
    row = {name: cell for name, cell in zip(header, sheet[2], strict=False)}

    assert isinstance(row["visit_date"].value, datetime.datetime)
    assert row["visit_date"].number_format == "dd mmm yyyy"
    assert (row["households"].value, row["households"].number_format) == (420, "#,##0")
    assert row["round"].number_format == "General"  # a round or a year is never "2,024"


# Typed-in village names a spreadsheet would run as formulas, and how each must read in the file.
FORMULAS = ["=1+1", "@SUM(A1)", "-2+3", "\tTabkent", "\rCrobod"]


@pytest.fixture
def formula_villages(receive, personas):
    """Five B2s whose village was typed in with a formula-like name; one has a negative latitude."""
    from bma.assessments import models as am

    for n in range(len(FORMULAS)):
        receive(
            "b2_2026112202.xml",
            {
                "uuid:342071ed-911c-4e50-9659-3f73b09c383c": f"uuid:formula-{n}",
                "<village>V-ASH-0001</village>": f"<village>other</village><village_other>Typed {n}</village_other>",
            },
        )
    # Set after intake: the form's XML would fold a leading CR or tab, a person typing in Excel would not.
    for n, name in enumerate(FORMULAS):
        am.VillageAssessment.objects.filter(submission__instance_id=f"uuid:formula-{n}").update(
            village_name_typed=name, review_state=am.ReviewState.APPROVED
        )
    am.VillageAssessment.objects.filter(village_name_typed="=1+1").update(latitude=-12.5)
    return personas.round


def test_typed_formulas_reach_the_csv_as_text_and_numbers_stay_numbers(formula_villages):
    """On PostgreSQL the rows come from COPY, elsewhere from Python's csv writer: both neutralise."""
    villages = _csv_tables(formula_villages)["villages"]
    assert sorted(v["village_typed"] for v in villages) == sorted(f"'{name}" for name in FORMULAS)
    by_name = {v["village_typed"]: v for v in villages}
    assert by_name["'=1+1"]["latitude"] in ("-12.5", "-12.500000")  # a negative number is not neutralised


def test_typed_formulas_reach_the_xlsx_as_text_and_numbers_stay_numbers(formula_villages):
    out = io.BytesIO()
    write_xlsx(out, formula_villages)
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    header, *rows = book["villages"].iter_rows(values_only=True)
    villages = [dict(zip(header, row, strict=False)) for row in rows]
    # XML reads a carriage return in a cell back as a line feed: the quote in front is what counts here.
    assert sorted(v["village_typed"] for v in villages) == sorted(f"'{name}".replace("\r", "\n") for name in FORMULAS)
    assert {v["village_typed"]: v["latitude"] for v in villages}["'=1+1"] == -12.5
