"""The REST API: cross-cutting routes here; each app's endpoints live in its own apis.py."""

from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from bma.api.token import TokenApi

app_name = "api"

urlpatterns = [
    path("token/", TokenApi.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar, served by this server. (Redoc is left out: its page
    # pulls fonts from Google, and nothing may load from elsewhere.) The split view serves its start-up
    # script from this same URL (?script) instead of inline, so the page runs under the CSP without
    # 'unsafe-inline'; login_required sends a visitor to the login page rather than a bare 401.
    path("docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("", include("bma.rounds.gazetteer_apis")),
    path("", include("bma.rounds.apis")),
    path("", include("bma.assessments.apis")),
    path("", include("bma.exports.apis")),
]
