"""Bad input refused before any view runs, with a 400 in the format of the endpoint asked.

PostgreSQL refuses NUL characters in text ("A string literal cannot contain NUL"), and SQLite takes
them: a NUL in a URL path segment, a query parameter or a form field would reach a database lookup and
come back as a 500 in production only. So any request carrying one is refused here, once for every
URL: OpenRosa XML on /collect/ (Collect shows the message), JSON on /api/ (as DRF's errors) and /kobo/
(as Kobo's refusals), an HTML page everywhere else (the admin, reports, the Web Forms page). The views'
own parameter checks (bma/core/params.py) stay: they also refuse bad numbers, choices and lengths.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bma.core.errors import BmaError, ErrorCode, codes
from bma.core.health import healthz
from bma.core.languages import device_language
from bma.core.openrosa_messages import openrosa_message
from bma.core.params import NUL_IN_FIELD, nul_refuse, nul_refuse_in_path

log = logging.getLogger(__name__)

# Form bodies read here for NULs. The OpenRosa, Kobo and API endpoints read (and bound) their own
# bodies, a submission's multipart upload or a JSON record, so only their plain form posts are read here.
OWN_FORMAT_PREFIXES = ("/api/", "/collect/", "/kobo/", "/v1/")
# ODK Central's API shape (bma/api/central.py): errors are {"message", "code"}, as Central's.
CENTRAL_PREFIX = "/v1/"
FORM_BODY = "application/x-www-form-urlencoded"
PAGE_FORM_BODIES = (FORM_BODY, "multipart/form-data")


def bad_input_page(request, message: str, back: str | None = None):
    return render(
        request,
        "bad_request.html",
        {"message": message, "back": request.path if back is None else back},
        status=codes.INVALID_INPUT.http_status,
    )


def _answered_in_own_format(path: str) -> bool:
    # The Web Forms page sits under /collect/ but is a page a browser shows.
    return path.startswith(OWN_FORMAT_PREFIXES) and not path.startswith("/collect/webforms/")


def answer_in_endpoint_format(request, code: ErrorCode, message, status: int, page) -> HttpResponse:
    """A refusal in the format the endpoint's client reads: OpenRosa XML on /collect/ (in the device's
    language), JSON on /api/ (as DRF's errors) and /kobo/ (as Kobo's refusals), else ``page()``."""
    path = request.path
    if not _answered_in_own_format(path):
        return page()
    if path.startswith("/collect/"):
        with translation.override(device_language(request)):
            return openrosa_message(message, status, nature="error")
    if path.startswith("/api/"):
        return JsonResponse({"code": code.code, "message": str(message), "extra": {}}, status=status)
    if path.startswith(CENTRAL_PREFIX):
        return central_error(message, status)
    return JsonResponse({"error": code.code, "message": str(message)}, status=status)


def central_error(message, status: int) -> JsonResponse:
    return JsonResponse({"message": str(message), "code": float(status)}, status=status)


def bad_input_answer(request, error: BmaError):
    """The 400 in the format of the endpoint: what its client can show."""
    # A NUL in the path: the page's own address is no way back.
    back = "/" if "\x00" in request.path else None
    return answer_in_endpoint_format(
        request, error.code, error.message, error.http_status, lambda: bad_input_page(request, error.message, back)
    )


def _form_bodies(path: str) -> tuple[str, ...]:
    return (FORM_BODY,) if _answered_in_own_format(path) else PAGE_FORM_BODIES


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


# --- The database down or restarting: 503 + Retry-After in the endpoint's format, never a bare HTML 500 ---

DATABASE_UNAVAILABLE = _(
    "The server's database is not answering at the moment; nothing was changed. Try again in a few minutes."
)


def database_unavailable_answer(request) -> HttpResponse:
    """503 with Retry-After, in the format the endpoint's client reads, as OpenRosa and Kobo intake
    already answer. The page reads no table (no user, no session): the database is what is missing."""
    code, message = codes.SERVICE_UNAVAILABLE, DATABASE_UNAVAILABLE

    def page():
        return HttpResponse(render_to_string("database_unavailable.html", {"message": message}), status=503)

    response = answer_in_endpoint_format(request, code, message, code.http_status, page)
    response["Retry-After"] = str(settings.BMA_RETRY_AFTER_SECONDS)
    return response


def transient_database_error(exception) -> bool:
    from bma.core.db import transient_db_error

    return isinstance(exception, DatabaseError) and transient_db_error(exception)


class DatabaseUnavailableMiddleware:
    """A view that fails because the database is down or restarting answers 503 + Retry-After (the
    admin, the API, the report pages); any other error is left to Django. A failure in a middleware
    (the session, the signed-in user) is answered the same by ``server_error`` (bma/urls.py handler500)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not transient_database_error(exception):
            return None
        log.warning("Database unavailable for %s (%s): answered 503", request.path, exception)
        return database_unavailable_answer(request)


def server_error(request):
    """Django's 500, except for a database that is down or restarting: then the 503 above."""
    from django.views.defaults import server_error as django_server_error

    if transient_database_error(sys.exc_info()[1]):
        return database_unavailable_answer(request)
    return django_server_error(request)
