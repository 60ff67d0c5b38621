from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bma.core.admin import ReadOnlyAdmin
from bma.exports.models import (
    ExportDownload,
    ExportJob,
    ExportState,
    PublishedDocument,
    PublishedReport,
    ReferenceFigure,
)
from bma.exports.services import (
    PERSONAL_DATA_PERMISSION,
    export_job_progress,
    export_jobs_running,
    export_jobs_visible_to,
)
from bma.exports.tasks import export_job_start
from bma.rounds.scoping import AreaScopedAdminMixin


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Adding an export starts it in the worker; the list shows progress and the download link."""

    # What a coordinator looks for first (the file, and how far it is) before the options it was made with:
    # the download link stays on screen at 1024 px.
    list_display = (
        "round",
        "format",
        "download",
        "state_now",
        "include_unapproved",
        "include_personal",
        "created_at",
    )
    list_filter = ("state", "format", "round")
    fields = ("round", "format", "include_unapproved", "include_personal", "hxl")
    change_list_template = "admin/exports/exportjob/change_list.html"

    class Media:
        # Our own file, not an inline script: the admin runs under the site's Content-Security-Policy.
        js = ["exports/export_progress.js"]
        css = {"all": ["exports/export_progress.css"]}

    def get_urls(self):
        progress = path(
            "<path:object_id>/progress/",
            self.admin_site.admin_view(self.progress_view),
            name="exports_exportjob_progress",
        )
        return [progress, *super().get_urls()]

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj else ()

    def get_queryset(self, request):
        # Exports with personal data are listed only to who may download them.
        return export_jobs_visible_to(request.user, super().get_queryset(request))

    @admin.display(description=_("File"))
    def download(self, job):
        if job.state == ExportState.DONE and job.file:
            return format_html(
                '<span class="export-file" data-export-job="{}"><a href="{}">{}</a></span>',
                job.pk,
                reverse("export-download", args=[job.pk]),
                gettext("Download"),
            )
        return format_html(
            '<span class="export-file" data-export-job="{}">{}</span>', job.pk, job.error[:80] if job.error else "…"
        )

    @admin.display(description=_("State and progress"), ordering="state")
    def state_now(self, job):
        # One column for both, beside the file: at 1024 px a separate progress column fell off the screen.
        # Polled by exports/export_progress.js while the job runs; without the script the page refreshes
        # itself (see the template), so the bar moves either way.
        return format_html(
            '<span class="export-state" data-export-job="{}">{}</span><br>'
            '<span class="export-progress" data-export-job="{}" data-progress-url="{}" data-finished="{}">'
            '<progress max="100" value="{}">{}%</progress> <span class="export-percent">{}%</span></span>',
            job.pk,
            job.get_state_display(),
            job.pk,
            reverse("admin:exports_exportjob_progress", args=[job.pk]),
            "1" if export_job_progress(job)["finished"] else "",
            job.progress,
            job.progress,
            job.progress,
        )

    def progress_view(self, request, object_id):
        """An export's state and progress as JSON, for the list's progress bars."""
        if not self.has_view_permission(request):  # as the list itself: 403 to who may not see exports
            raise PermissionDenied
        job = self.get_object(request, object_id)  # looks in get_queryset: another's personal export is absent
        if job is None:
            raise Http404(gettext("No such export."))
        status = export_job_progress(job)
        status["download_url"] = reverse("export-download", args=[job.pk]) if status["ready"] else None
        status["download_label"] = gettext("Download")
        return JsonResponse(status, json_dumps_params={"ensure_ascii": False})

    def changelist_view(self, request, extra_context=None):
        running = export_jobs_running(self.get_queryset(request))
        return super().changelist_view(request, {**(extra_context or {}), "exports_running": running})

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None and not request.user.has_perm(PERSONAL_DATA_PERMISSION):
            field = form.base_fields["include_personal"]
            field.disabled = True
            field.help_text = gettext("You do not have the personal-data permission.")
        return form

    def save_model(self, request, obj, form, change):
        if change:
            return
        job = export_job_start(
            round=obj.round,
            user=request.user,
            format=obj.format,
            include_unapproved=obj.include_unapproved,
            include_personal=obj.include_personal,
            hxl=obj.hxl,
        )
        obj.pk = job.pk
        self.message_user(
            request, gettext("The export is being built: its progress shows in the list below."), messages.INFO
        )


@admin.register(ReferenceFigure)
class ReferenceFigureAdmin(AreaScopedAdminMixin, admin.ModelAdmin):
    """Figures from other sources, set beside the round's estimates on the district profile."""

    scope_field = "area"
    list_display = ("area", "population", "value", "as_of", "source", "recorded_by")
    list_filter = ("population", "source")
    search_fields = ("area__name_en", "area__name_tg", "area__name_ru", "area__code", "source", "note")
    autocomplete_fields = ("area",)
    fields = ("area", "population", "value", "as_of", "source", "note")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ExportDownload)
class ExportDownloadAdmin(ReadOnlyAdmin):
    """The record of every export download; nobody edits it."""

    list_display = ("job", "user", "downloaded_at", "address")
    list_filter = ("job__round",)
    date_hierarchy = "downloaded_at"


class PublishedDocumentInline(admin.TabularInline):
    model = PublishedDocument
    fields = readonly_fields = ("language", "file", "sha256")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PublishedReport)
class PublishedReportAdmin(ReadOnlyAdmin):
    """Published versions are frozen: listed here, made from the report's "Published versions" page."""

    list_display = ["round", "version", "published_at", "published_by", "note", "figures_sha256"]
    list_filter = ["round"]
    inlines = [PublishedDocumentInline]
    # The figures are in the figures file (and the page shows what changed); the raw JSON is too long here.
    fields = readonly_fields = [f.name for f in PublishedReport._meta.fields if f.name not in ("id", "figures")]
