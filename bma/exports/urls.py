from django.urls import path

from bma.exports import report_views

urlpatterns = [
    path("reports/rounds/<int:number>/", report_views.report_page, name="round-report"),
    path("reports/rounds/<int:number>/xlsx/", report_views.report_xlsx, name="round-report-xlsx"),
    path("exports/<int:job_id>/download/", report_views.export_download, name="export-download"),
]
