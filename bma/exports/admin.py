from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from bma.core.admin import AreaScopedAdminMixin, ReadOnlyAdmin
from bma.exports.models import (
    ExportDownload,
    ExportJob,
    ExportState,
    PublishedDocument,
    PublishedReport,
    ReferenceFigure,
)
from bma.exports.services import PERSONAL_DATA_PERMISSION, export_job_start, export_jobs_visible_to


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    """Adding an export starts it in the worker; the list shows progress and the download link."""

    # What a coordinator looks for first (the file, and how far it is) before the options it was made with:
    # the download link stays on screen at 1024 px.
    list_display = (
        "round",
        "format",
        "download",
        "state",
        "progress",
        "include_unapproved",
        "include_personal",
        "created_at",
    )
    list_filter = ("state", "format", "round")
    fields = ("round", "format", "include_unapproved", "include_personal", "hxl")

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj else ()

    def get_queryset(self, request):
        # Exports with personal data are listed only to who may download them.
        return export_jobs_visible_to(request.user, super().get_queryset(request))

    @admin.display(description="File")
    def download(self, job):
        if job.state != ExportState.DONE:
            return job.error[:80] if job.error else "…"
        return format_html('<a href="{}">Download</a>', reverse("export-download", args=[job.pk]))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None and not request.user.has_perm(PERSONAL_DATA_PERMISSION):
            field = form.base_fields["include_personal"]
            field.disabled = True
            field.help_text = "You do not have the personal-data permission."
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
        self.message_user(request, "The export is being built; refresh this page to see its progress.", messages.INFO)


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
