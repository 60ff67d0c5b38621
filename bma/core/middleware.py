"""Bad input refused before any view runs, with a 400 in the format of the endpoint asked.

PostgreSQL refuses NUL characters in text ("A string literal cannot contain NUL"), and SQLite takes
them: a NUL in a URL path segment, a query parameter or a form field would reach a database lookup and
come back as a 500 in production only. So any request carrying one is refused here, once for every
URL: OpenRosa XML on /collect/ (Collect shows the message), JSON on /api/ (as DRF's errors) and /kobo/
(as Kobo's refusals), an HTML page everywhere else (the admin, reports, the Web Forms page). The views'
own parameter checks (bma/core/params.py) stay: they also refuse bad numbers, choices and lengths.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation

from bma.core.errors import BmaError, codes
from bma.core.health import healthz
from bma.core.languages import device_language
from bma.core.openrosa_messages import openrosa_message
from bma.core.params import NUL_IN_FIELD, nul_refuse, nul_refuse_in_path

# Form bodies read here for NULs. The OpenRosa, Kobo and API endpoints read (and bound) their own
# bodies, a submission's multipart upload or a JSON record, so only their plain form posts are read here.
OWN_FORMAT_PREFIXES = ("/api/", "/collect/", "/kobo/")
FORM_BODY = "application/x-www-form-urlencoded"
PAGE_FORM_BODIES = (FORM_BODY, "multipart/form-data")


def bad_input_page(request, message: str, back: str | None = None):
    return render(
        request,
        "bad_request.html",
        {"message": message, "back": request.path if back is None else back},
        status=codes.INVALID_INPUT.http_status,
    )


def bad_input_answer(request, error: BmaError):
    """The 400 in the format of the endpoint: what its client can show."""
    path = request.path
    if path.startswith("/collect/") and not path.startswith("/collect/webforms/"):
        with translation.override(device_language(request)):
            return openrosa_message(error.message, error.http_status, nature="error")
    if path.startswith("/api/"):
        return JsonResponse({"code": error.code.code, "message": str(error.message), "extra": {}}, status=400)
    if path.startswith("/kobo/"):
        return JsonResponse({"error": error.code.code, "message": str(error.message)}, status=400)
    # A NUL in the path: the page's own address is no way back.
    return bad_input_page(request, error.message, back="/" if "\x00" in path else None)


def _form_bodies(path: str) -> tuple[str, ...]:
    own_format = path.startswith(OWN_FORMAT_PREFIXES) and not path.startswith("/collect/webforms/")
    return (FORM_BODY,) if own_format else PAGE_FORM_BODIES


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            nul_refuse_in_path(request.path)
            nul_refuse(request.GET)
            if request.method == "POST" and request.content_type in _form_bodies(request.path):
                nul_refuse(request.POST, NUL_IN_FIELD)
        except BmaError as exc:
            return bad_input_answer(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        # A page view that reads a parameter with bma.core.params gets the same page for a bad value.
        if isinstance(exception, BmaError) and exception.code == codes.INVALID_INPUT:
            return bad_input_page(request, exception.message)
        return None


class UserLanguageMiddleware:
    """A signed-in person's own language choice (bma.core.languages) over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from bma.core.languages import activate_for

        activate_for(request)
        return self.get_response(request)


class HealthCheckMiddleware:
    """Answers /healthz before CommonMiddleware checks the Host header against ALLOWED_HOSTS.

    Container and load-balancer probes call the server by its address (127.0.0.1:8000), not by the name
    the public uses, so with ALLOWED_HOSTS set to that name the probe would get a 400 and the server
    would count as down. The answer says nothing but "ok" or "database unavailable".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz" and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)
