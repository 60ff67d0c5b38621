"""OpenRosa URLs, twice: under /collect/ (Digest or Basic login) and /collect/key/<token>/ (QR-code devices)."""

from django.http import HttpResponseNotFound
from django.urls import path

from bma.submissions import kobo_views
from bma.submissions import openrosa_views as views
from bma.submissions.webforms import webform_page


def _root(request, token=None):
    return HttpResponseNotFound("This is the ODK server URL: enter it in ODK Collect's project settings.")


def _patterns(prefix: str, name_prefix: str):
    return [
        path(prefix, _root, name=f"{name_prefix}root"),
        path(f"{prefix}formList", views.form_list, name=f"{name_prefix}form-list"),
        path(f"{prefix}forms/<str:form_id>/form.xml", views.form_download, name=f"{name_prefix}form-download"),
        path(f"{prefix}forms/<str:form_id>/manifest", views.form_manifest, name=f"{name_prefix}form-manifest"),
        path(f"{prefix}forms/<str:form_id>/media/<str:filename>", views.form_media, name=f"{name_prefix}form-media"),
        path(
            f"{prefix}datasets/<str:dataset>/integrity",
            views.dataset_integrity,
            name=f"{name_prefix}dataset-integrity",
        ),
        path(f"{prefix}submission", views.submission, name=f"{name_prefix}submission"),
    ]


urlpatterns = [
    *_patterns("collect/", "openrosa-"),
    *_patterns("collect/key/<str:token>/", "openrosa-token-"),
    path("kobo/<str:token>/", kobo_views.kobo_record, name="kobo-record"),
    path("collect/webforms/<str:form_id>/", webform_page, name="webform"),
]
