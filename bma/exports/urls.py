from django.urls import path

from bma.exports import profile_views, publishing_views, report_views

urlpatterns = [
    path("reports/rounds/<int:number>/", report_views.report_page, name="round-report"),
    path("reports/rounds/<int:number>/xlsx/", report_views.report_xlsx, name="round-report-xlsx"),
    path("reports/rounds/<int:number>/pdf/", report_views.report_pdf_download, name="round-report-pdf"),
    path("reports/rounds/<int:number>/published/", publishing_views.published_page, name="round-report-published"),
    path("reports/rounds/<int:number>/published/publish/", publishing_views.publish, name="round-report-publish"),
    path(
        "reports/rounds/<int:number>/published/jobs/<int:job_id>/",
        publishing_views.publish_job_status,
        name="round-report-publish-job",
    ),
    path(
        "reports/rounds/<int:number>/published/<int:version>/pdf/<str:language>/",
        publishing_views.published_document,
        name="round-report-published-document",
    ),
    path(
        "reports/rounds/<int:number>/published/<int:version>/<str:kind>/",
        publishing_views.published_file,
        name="round-report-published-file",
    ),
    path("reports/rounds/<int:number>/districts/<str:code>/", profile_views.profile_page, name="district-profile"),
    path("exports/<int:job_id>/download/", report_views.export_download, name="export-download"),
]
