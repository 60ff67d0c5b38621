"""Round-over-round comparison: "before" is the previous round's report as it was published, and every
output says when the previous round has no published report."""

import copy
import html
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bma.assessments import models as am
from bma.core.dates import in_words
from bma.exports.models import PublishedReport
from bma.exports.publishing import report_changes, report_publish
from bma.exports.report import round_figures
from bma.exports.report_language import figures_in_language
from tests import factories

pytestmark = pytest.mark.django_db


def ret_of(comparison: dict) -> dict:
    return next(p for p in comparison["populations"] if p["code"] == "ret")


def comparison_sheet(client, number: int) -> list[tuple]:
    book = load_workbook(io.BytesIO(client.get(f"/reports/rounds/{number}/xlsx/").content))
    sheet = next(ws for ws in book.worksheets if ws.title == f"Compared with Round {number - 1}")
    return list(sheet.iter_rows(min_row=2, values_only=True))


def test_before_is_the_previous_rounds_published_version_not_its_live_rows(client, two_villages, personas):
    published = report_publish(two_villages, personas.coordinator)
    later = factories.make_round(number=3)
    # Round 2 after it was sent out: Oshoba's return migrants corrected, Shaydon sent back for review.
    am.PopulationFigure.objects.filter(assessment__village__code="V-ASH-0001", population="ret").update(total=999)
    am.VillageAssessment.objects.filter(village__code="V-ASH-0002").update(review_state=am.ReviewState.RECEIVED)

    comparison = round_figures(later, previous_round=two_villages)["comparison"]
    assert (comparison["before_published"], comparison["before_version"]) == (True, 1)
    assert comparison["communities"]["before"] == published.figures["communities"] == 2
    assert ret_of(comparison)["before"] == 280 and ret_of(comparison)["by_province"] == [
        {"code": "TJ-SU", "province": "Sughd", "before": 280, "now": 0, "change": -100.0}
    ]

    # The live page, the JSON and the workbook of round 3 (not yet published) take the same "before".
    client.force_login(personas.coordinator)
    page = html.unescape(client.get("/reports/rounds/3/").content.decode())
    assert f"Round 2 as published: version 1, {in_words(published.published_at)}." in page
    api = client.get("/api/rounds/3/report/").json()["comparison"]
    assert api["before_published"] is True and ret_of(api)["before"] == 280
    rows = comparison_sheet(client, 3)
    assert rows[0][0].startswith("Round 2 as published: version 1, ") and rows[0][1] == 1
    assert ("Return migrants", 280, 0, -100) in [row[:4] for row in rows]


def test_an_unpublished_previous_round_is_said_so_in_the_json_page_pdf_and_workbook(client, two_villages, personas):
    factories.make_round(number=3)
    client.force_login(personas.coordinator)
    assert client.get("/api/rounds/3/report/").json()["comparison"]["before_published"] is False
    said = "Round 2 has no published report: its figures here are computed from its data as it is now"
    assert said in html.unescape(client.get("/reports/rounds/3/").content.decode())
    pdf = PdfReader(io.BytesIO(b"".join(client.get("/reports/rounds/3/pdf/"))))
    assert said in " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert comparison_sheet(client, 3)[0][0].startswith("Round 2 has no published report")
    client.post("/language/", {"language": "ru", "next": "/"})
    assert "Отчёт раунда 2 не опубликован" in html.unescape(client.get("/reports/rounds/3/").content.decode())


def without_area_codes(figures: dict) -> dict:
    """Figures as versions published before breakdowns carried area codes stored them."""
    old = copy.deepcopy(figures)
    for pop in old["populations"]:
        for rows in (pop["by_province"], pop["top_districts"], pop.get("other_area_by_province", [])):
            for row in rows:
                row.pop("code")
    for row in old["departures"]["provinces"]:
        row.pop("code")
    for row in old["districts"]:
        row.pop("province_code")
    return old


def test_a_version_published_before_rows_carried_codes_still_renders_and_serves_as_before(two_villages, personas):
    report = report_publish(two_villages, personas.coordinator)
    PublishedReport.objects.filter(pk=report.pk).update(figures=without_area_codes(report.figures))
    report.refresh_from_db()
    later = factories.make_round(number=3)

    comparison = round_figures(later, previous_round=two_villages)["comparison"]
    assert ret_of(comparison)["by_province"] == [
        {"code": "TJ-SU", "province": "Sughd", "before": 280, "now": 0, "change": -100.0}
    ]
    russian = figures_in_language(report.figures, "ru")
    assert ret_of({"populations": russian["populations"]})["by_province"][0]["province"] == "Согдийская область"
    # Compared with the live figures (which carry codes), the old rows are matched by name: nothing changed.
    assert report_changes(report.figures, round_figures(two_villages, previous_round=None)) == []
