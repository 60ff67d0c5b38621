from django.urls import path

from bma.exports import report_views

urlpatterns = [
    path("reports/rounds/<int:number>/", report_views.report_page, name="round-report"),
    path("reports/rounds/<int:number>/xlsx/", report_views.report_xlsx, name="round-report-xlsx"),
]
