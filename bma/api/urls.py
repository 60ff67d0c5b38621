"""The REST API: cross-cutting routes here; each app's endpoints live in its own apis.py."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bma.api.token import TokenApi

app_name = "api"

urlpatterns = [
    path("token/", TokenApi.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar, served by this server. (Redoc is left out: its page
    # pulls fonts from Google, and nothing may load from elsewhere.)
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include("bma.geo.apis")),
    path("", include("bma.rounds.apis")),
    path("", include("bma.assessments.apis")),
    path("", include("bma.exports.apis")),
]
