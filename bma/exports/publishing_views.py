"""Published versions of a round's report: publish one, list them, download their frozen files, and see
what changed in the live figures since the last one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bma.core.errors import BmaError
from bma.exports.diff_labels import changes_in_words
from bma.exports.models import PublishedDocument, PublishedReport, PublishJob
from bma.exports.publish_jobs import publish_job_latest, publish_job_progress, publish_job_start
from bma.exports.publishing import report_changes
from bma.exports.readiness import report_readiness
from bma.exports.report import previous_round_of, round_figures
from bma.exports.report_views import report_round_for

FILE_KINDS = {
    "figures": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def published_page(request, number: int):
    round_ = report_round_for(request, number)
    versions = list(
        PublishedReport.objects.filter(round=round_).select_related("published_by").prefetch_related("documents")
    )
    latest = versions[0] if versions else None
    changes = None
    if latest is not None:
        live = round_figures(round_, previous_round=previous_round_of(round_))
        changes = changes_in_words(report_changes(latest.figures, live), live)
    readiness = report_readiness(round_)
    job = publish_job_latest(round_)
    return render(
        request,
        "exports/published.html",
        {
            "round": round_,
            "versions": versions,
            "latest": latest,
            "changes": changes,
            "readiness": readiness,
            "blocked": any(item.blocks for item in readiness),
            "can_publish": request.user.has_perm("exports.add_publishedreport"),
            "job": job,
            "job_running": job is not None and not publish_job_progress(job)["finished"],
        },
    )


@login_required
@require_POST
def publish(request, number: int):
    round_ = report_round_for(request, number)
    if not request.user.has_perm("exports.add_publishedreport"):
        raise PermissionDenied(_("Publishing the round report needs the permission to publish reports."))
    try:
        publish_job_start(
            round_,
            request.user,
            note=request.POST.get("note", "").strip()[:2000],
            override_note=request.POST.get("override_note", "").strip()[:2000],
            confirm=request.POST.get("confirm") == "1",
        )
    except BmaError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(request, _("The version is being made: its progress shows below."))
    return redirect("round-report-published", number=round_.number)


@login_required
def publish_job_status(request, number: int, job_id: int):
    """A publication's state and progress as JSON, for the published page's progress bar."""
    round_ = report_round_for(request, number)
    job = get_object_or_404(PublishJob.objects.select_related("report"), round=round_, pk=job_id)
    return JsonResponse(publish_job_progress(job), json_dumps_params={"ensure_ascii": False})


@login_required
def published_file(request, number: int, version: int, kind: str):
    round_ = report_round_for(request, number)
    if kind not in FILE_KINDS:
        raise Http404(_("No such file of a published report."))
    report = get_object_or_404(PublishedReport, round=round_, version=version)
    return _frozen_file(getattr(report, f"{kind}_file"), FILE_KINDS[kind], getattr(report, f"{kind}_sha256"))


@login_required
def published_document(request, number: int, version: int, language: str):
    round_ = report_round_for(request, number)
    document = get_object_or_404(PublishedDocument, report__round=round_, report__version=version, language=language)
    return _frozen_file(document.file, "application/pdf", document.sha256)


def _frozen_file(stored, content_type: str, published_sha256: str) -> FileResponse:
    response = FileResponse(stored.open("rb"), as_attachment=True, filename=stored.name.rsplit("/", 1)[-1])
    response["Content-Type"] = content_type
    # The published hash, so a reader (or a script) can check the copy against what was published.
    response["X-Checksum-Sha256"] = published_sha256
    return response
