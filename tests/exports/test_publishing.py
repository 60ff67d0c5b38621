"""Publishing a round's report: frozen files with their hashes, untouched by later edits, and a page that
shows what changed since."""

import hashlib
import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bma.assessments import models as am
from bma.assessments.review import assessment_review
from bma.core.errors import BmaError, codes
from bma.exports.models import PublishedReport
from bma.exports.publishing import report_changes, report_publish
from bma.exports.readiness import report_readiness
from bma.referrals.models import MatchOutcome, MatchState, PlanReason, PlanStatus, ReferralMatch, VisitPlanEntry
from bma.submissions.models import ProcessingState, Submission
from bma.validation.models import QualityIssue, SpotCheckAssignment
from bma.validation.rules import Severity
from bma.validation.services import spot_check_sample_draw
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish_post(django_capture_on_commit_callbacks):
    """The publish button: the job it queues runs in-process once the request's transaction commits."""

    def post(client, url, data=None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data or {})

    return post


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


def test_a_published_version_stays_as_published_while_the_live_report_moves_on(
    client, departures, personas, publish_post
):
    client.force_login(personas.coordinator)
    base = f"/reports/rounds/{departures.number}/"
    response = publish_post(client, f"{base}published/publish/", {"note": "Sent to the donors"})
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
    am.PopulationFigure.objects.filter(assessment__village__code="V-ASH-0001", population="ret").update(total=999)
    assessment_review(
        am.VillageAssessment.objects.get(village__code="V-ASH-0003"), am.ReviewState.APPROVED, personas.supervisor
    )

    assert stored_hashes(report) == published
    download = client.get(f"{base}published/1/figures/")
    assert download["X-Checksum-Sha256"] == report.figures_sha256
    assert json.loads(b"".join(download))["communities"] == 3
    assert client.get(base).content.decode().count("Communities assessed</th><td>4<") == 1
    changes = client.get(f"{base}published/").content.decode()
    assert "<tr><td></td><td></td><td>Communities assessed</td><td>3</td><td>4</td></tr>" in changes
    assert "<h3>Return migrants</h3>" in changes and "populations[ret]" not in changes

    publish_post(client, f"{base}published/publish/", {"note": ""})
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
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Communities assessed"] == report.figures["communities"] == 3


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


# --- The gate before publishing ---------------------------------------------------------------------------


def refusal(round_, user, **kwargs) -> str:
    """The message of a refused publication (and that no version was made)."""
    with pytest.raises(BmaError) as refused:
        report_publish(round_, user, **kwargs)
    assert not PublishedReport.objects.filter(round=round_).exists()
    return str(refused.value.message)


def test_publishing_is_refused_while_submissions_wait_process_or_failed(departures, personas):
    Submission.objects.filter(round=departures, instance_id="uuid:panj").update(state=ProcessingState.FAILED)
    Submission.objects.filter(round=departures, instance_id="uuid:shaydon").update(state=ProcessingState.RECEIVED)
    message = refusal(departures, personas.coordinator)
    assert "Submissions waiting, processing or failed: 2" in message and "override note" in message


def test_publishing_is_refused_while_typed_in_villages_wait_for_a_supervisor(departures, personas):
    for n in range(2):  # two visits to one unlisted village: two communities until linked
        ReferralMatch.objects.create(
            round=departures,
            district=personas.geo.asht,
            district_code="TJ-SU-ASH",
            name="Qwertikent",
            reason=PlanReason.ENUMERATOR,
            source_key=f"uuid:typed-{n}/village",
            outcome=MatchOutcome.AMBIGUOUS,
            state=MatchState.PENDING,
        )
    assert "Typed-in villages waiting for a supervisor: 2" in refusal(departures, personas.coordinator)


def test_publishing_is_refused_while_errors_are_open_on_approved_assessments(departures, personas):
    for code in ("V-ASH-0001", "V-ASH-0003"):  # Oshoba is approved, Buston is not (and not counted)
        assessment = am.VillageAssessment.objects.get(village__code=code)
        QualityIssue.objects.create(
            village_assessment=assessment,
            round=departures,
            district=assessment.district,
            code="test.impossible",
            severity=Severity.ERROR,
            message="An impossible figure",
        )
    QualityIssue.objects.filter(village_assessment__village__code="V-ASH-0001").exclude(code="test.impossible").delete()
    assert "Open errors on approved assessments: 1" in refusal(departures, personas.coordinator)


def test_publishing_is_refused_while_spot_checks_are_not_compared(departures, personas):
    spot_check_sample_draw(departures, share=1.0, min_per_district=1, seed=7)
    drawn = SpotCheckAssignment.objects.filter(sample__round=departures).count()
    assert drawn > 0
    assert f"Spot checks drawn but not compared: {drawn}" in refusal(departures, personas.coordinator)


def test_unvisited_planned_villages_are_shown_with_the_version_but_do_not_block(departures, personas):
    village = factories.make_village("V-PAN-0900", personas.geo.panj, "Referred, not reached")
    VisitPlanEntry.objects.create(
        round=departures,
        village=village,
        district=village.district,
        reason=PlanReason.REFERRAL,
        status=PlanStatus.PLANNED,
    )
    report = report_publish(departures, personas.coordinator)
    kept = {item["code"]: (item["count"], item["blocking"]) for item in report.readiness["items"]}
    planned = VisitPlanEntry.objects.filter(round=departures, status=PlanStatus.PLANNED).count()
    assert planned >= 1 and kept["unvisited_villages"] == (planned, False) and kept["submissions"] == (0, True)


def test_an_override_note_publishes_with_blockers_open_and_is_kept_and_shown(
    client, departures, personas, publish_post
):
    Submission.objects.filter(round=departures, instance_id="uuid:panj").update(state=ProcessingState.FAILED)
    client.force_login(personas.coordinator)
    base = f"/reports/rounds/{departures.number}/published/"
    page = client.get(base).content.decode()
    assert 'id="blocked"' in page and 'name="override_note"' in page
    assert "Submissions waiting, processing or failed" in page

    publish_post(client, f"{base}publish/", {"note": "For the donors"})
    assert not PublishedReport.objects.exists()
    publish_post(
        client, f"{base}publish/", {"note": "For the donors", "override_note": "Panj's form is broken; next week"}
    )
    report = PublishedReport.objects.get(round=departures)
    assert report.override_note == "Panj's form is broken; next week"
    assert {i["code"]: i["count"] for i in report.readiness["items"]}["submissions"] == 1
    assert "Panj&#x27;s form is broken; next week" in client.get(base).content.decode()
    pdf = PdfReader(report.documents.get(language="en").file.open("rb"))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "Figures as of" in text and "Submissions waiting, processing or failed: 1" in text
    assert "Panj's form is broken; next week" in text


def test_the_readiness_links_open_the_admin_lists_filtered_to_the_round(client, departures, personas):
    client.force_login(personas.coordinator)
    for item in report_readiness(departures):
        response = client.get(item.link)
        assert response.status_code == 200, (item.code, item.link, response.status_code)
        assert f"round__id__exact={departures.pk}" in item.link


def test_publishing_the_same_figures_again_needs_a_confirmation(client, departures, personas, publish_post):
    report_publish(departures, personas.coordinator)
    with pytest.raises(BmaError) as refused:
        report_publish(departures, personas.coordinator)
    assert refused.value.code == codes.REPORT_PUBLISH_UNCHANGED
    assert "Nothing changed since version 1" in str(refused.value.message)

    client.force_login(personas.coordinator)
    base = f"/reports/rounds/{departures.number}/published/"
    page = client.get(base).content.decode()
    assert 'id="unchanged"' in page and "Nothing changed since version 1" in page and 'name="confirm"' in page
    publish_post(client, f"{base}publish/", {"note": "again"})
    assert list(PublishedReport.objects.values_list("version", flat=True)) == [1]
    publish_post(client, f"{base}publish/", {"note": "again", "confirm": "1"})
    assert list(PublishedReport.objects.values_list("version", flat=True)) == [2, 1]
