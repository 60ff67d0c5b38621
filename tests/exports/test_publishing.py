"""Publishing a round's report: frozen files with their hashes, untouched by later edits, and a page that
shows what changed since."""

import hashlib
import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bma.assessments import models as am
from bma.exports.models import PublishedReport
from bma.exports.publishing import report_changes, report_publish

pytestmark = pytest.mark.django_db


def stored_hashes(report: PublishedReport) -> dict:
    """The SHA-256 of each stored file, read back from storage, with the hash recorded at publishing."""
    report.refresh_from_db()
    files = {kind: (getattr(report, f"{kind}_file"), getattr(report, f"{kind}_sha256")) for kind in ("figures", "xlsx")}
    files |= {f"pdf-{d.language}": (d.file, d.sha256) for d in report.documents.all()}
    hashes = {}
    for kind, (stored, recorded) in files.items():
        with stored.open("rb") as opened:
            hashes[kind] = (hashlib.sha256(opened.read()).hexdigest(), recorded)
    return hashes


def test_a_published_version_stays_as_published_while_the_live_report_moves_on(client, departures, personas):
    client.force_login(personas.coordinator)
    base = f"/reports/rounds/{departures.number}/"
    response = client.post(f"{base}published/publish/", {"note": "Sent to the donors"})
    assert response.status_code == 302
    report = PublishedReport.objects.get(round=departures)
    assert (report.version, report.published_by, report.note) == (1, personas.coordinator, "Sent to the donors")
    published = stored_hashes(report)
    assert set(published) == {"figures", "xlsx", "pdf-en", "pdf-ru", "pdf-tg"}
    assert all(read == recorded for read, recorded in published.values())
    assert json.loads(report.figures_file.open("rb").read())["communities"] == 3
    page = client.get(f"{base}published/").content.decode()
    assert 'id="no-changes"' in page and report.documents.get(language="tg").sha256 in page

    # A late approval and an edit: Buston (waiting) is approved, Oshoba's return migrants change.
    am.VillageAssessment.objects.filter(village__code="V-ASH-0003").update(review_state=am.ReviewState.APPROVED)
    am.PopulationFigure.objects.filter(assessment__village__code="V-ASH-0001", population="ret").update(total=999)

    assert stored_hashes(report) == published
    download = client.get(f"{base}published/1/figures/")
    assert download["X-Checksum-Sha256"] == report.figures_sha256
    assert json.loads(b"".join(download))["communities"] == 3
    assert client.get(base).content.decode().count("Communities assessed</th><td>4<") == 1
    changes = client.get(f"{base}published/").content.decode()
    assert "<tr><td>communities</td><td>3</td><td>4</td></tr>" in changes
    assert "populations[ret].total" in changes

    client.post(f"{base}published/publish/", {"note": ""})
    assert list(PublishedReport.objects.values_list("version", flat=True)) == [2, 1]
    assert stored_hashes(report) == published  # version 1 is untouched by version 2


def test_the_published_files_carry_the_version_on_the_cover_and_the_same_figures(departures, personas):
    report = report_publish(departures, personas.coordinator)

    def text(language):
        pdf = report.documents.get(language=language).file.open("rb")
        return " ".join("\n".join(page.extract_text() for page in PdfReader(pdf).pages).split())

    assert "Published version 1" in text("en") and str(personas.coordinator) in text("en")
    assert "Опубликованная версия 1" in text("ru") and "Вернувшиеся мигранты" in text("ru")
    assert "Версияи нашршудаи 1" in text("tg")
    book = load_workbook(io.BytesIO(report.xlsx_file.open("rb").read()))
    summary = {row[0]: row[1] for row in book["summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["communities"] == report.figures["communities"] == 3


def test_only_coordinators_with_the_permission_publish_and_read_versions(client, departures, personas):
    base = f"/reports/rounds/{departures.number}/published/"
    client.force_login(personas.supervisor)
    assert client.get(base).status_code == 403
    assert client.post(f"{base}publish/").status_code == 403
    client.force_login(personas.coordinator)
    assert client.get(f"{base}publish/").status_code == 405
    assert client.get(f"{base}1/pdf/ru/").status_code == 404
    assert PublishedReport.objects.count() == 0


def test_changes_name_each_figure_by_its_row():
    published = {"populations": [{"code": "ret", "total": 10, "by_province": [{"province": "Sughd", "total": 10}]}]}
    live = {"populations": [{"code": "ret", "total": 12, "by_province": [{"province": "Sughd", "total": 10}]}]}
    live["populations"][0]["by_province"].append({"province": "Khatlon", "total": 2})
    assert report_changes(published, live) == [
        {"figure": "populations[ret].by_province[Khatlon].total", "published": None, "live": 2},
        {"figure": "populations[ret].total", "published": 10, "live": 12},
    ]


def test_a_rename_after_publishing_changes_a_label_not_the_rows(departures, personas):
    """Asht and Sughd renamed after publishing: the live figures have the same rows (by code) as the
    published version, none gone and none added."""
    from bma.exports.report import round_figures
    from bma.geo.models import AreaKind
    from tests import factories

    report = report_publish(departures, personas.coordinator)
    factories.make_area("TJ-SU", AreaKind.PROVINCE, "Sughd Region", personas.geo.tj)
    factories.make_area("TJ-SU-ASH", AreaKind.DISTRICT, "Ashtsky", personas.geo.sughd)
    assert report_changes(report.figures, round_figures(departures)) == []
