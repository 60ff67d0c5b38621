"""The round report as a printable page, as XLSX, and (in apis.py) as JSON."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language, gettext

from bma.core.roles import user_sees_everything
from bma.exports.report import community_points, include_unapproved_param, previous_round_of, round_figures
from bma.exports.report_document import report_charts, report_pdf
from bma.exports.report_language import figures_in_language
from bma.exports.report_workbook import figures_workbook
from bma.rounds.models import Round


@dataclass
class RequestedReport:
    round: Round
    include_unapproved: bool
    figures: dict

    def points(self) -> list:
        return community_points(self.round, self.include_unapproved)


def report_round_for(request, number: int) -> Round:
    """The round whose report (live or published) is asked for; the report is for coordinators."""
    if not user_sees_everything(request.user):
        raise PermissionDenied(gettext("The round report is for coordinators."))
    return get_object_or_404(Round, number=number)


def _report_for(request, number: int) -> RequestedReport:
    round_ = report_round_for(request, number)
    include_unapproved = include_unapproved_param(request.GET)
    figures = round_figures(round_, include_unapproved, previous_round_of(round_))
    # The same figures, their labels in the reader's language (their choice, else the browser's).
    return RequestedReport(round_, include_unapproved, figures_in_language(figures, get_language()))


@login_required
def report_page(request, number: int):
    report = _report_for(request, number)
    context = {
        "f": report.figures,
        "charts": report_charts(report.figures, report.points()),
        "include_unapproved": report.include_unapproved,
    }
    return render(request, "exports/report.html", context)


@login_required
def report_xlsx(request, number: int):
    report = _report_for(request, number)
    response = HttpResponse(
        figures_workbook(report.figures),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="bma-round-{number}-report.xlsx"'
    return response


@login_required
def report_pdf_download(request, number: int):
    report = _report_for(request, number)
    response = HttpResponse(report_pdf(report.figures, report.points()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bma-round-{number}-report.pdf"'
    return response


@login_required
def export_download(request, job_id: int):
    from django.http import FileResponse, Http404

    from bma.exports.models import ExportJob, ExportState
    from bma.exports.services import export_download_record, export_job_visible_to

    job = get_object_or_404(ExportJob, pk=job_id)
    if not export_job_visible_to(job, request.user):
        raise PermissionDenied(
            gettext(
                "This export holds informants' personal data: only the person who asked for it, with the "
                "personal-data permission, can download it."
            )
            if job.include_personal
            else gettext("This export is not yours to download.")
        )
    if job.state == ExportState.EXPIRED:
        return HttpResponse(job.error or gettext("This export has expired."), status=410, content_type="text/plain")
    if job.state != ExportState.DONE or not job.file:
        raise Http404(gettext("This export is not ready yet."))
    export_download_record(job, request.user, request.META.get("REMOTE_ADDR"))
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file.name.rsplit("/", 1)[-1])
