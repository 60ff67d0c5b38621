from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path

from bma.core.views import language_choose


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "BMA review desk"
admin.site.site_title = "BMA"
admin.site.index_title = "Baseline Mobility Assessment"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("language/", language_choose, name="language-choose"),
    path("api/", include("bma.api.urls")),
    path("", include("bma.submissions.urls")),
    path("", include("bma.exports.urls")),
]
