"""Bad input on the HTML pages (admin, reports, logins) answered as a 400 page with a message.

PostgreSQL refuses NUL characters in text, so a NUL in an admin search or filter would reach the
database and come back as a 500 (SQLite takes it, so only production would show it). The API and
the OpenRosa/Kobo endpoints check their own parameters (bma/core/params.py) and answer in their own
format, JSON or OpenRosa XML; everything else is checked here, before any view runs.
"""

from __future__ import annotations

from django.shortcuts import render

from bma.core.errors import BmaError, codes
from bma.core.health import healthz
from bma.core.params import NUL_MESSAGE, has_nul

# These answer bad input in their clients' format (DRF's JSON errors, OpenRosa XML), not as a page.
OWN_FORMAT_PREFIXES = ("/api/", "/collect/", "/kobo/")


def bad_input_page(request, message: str):
    return render(
        request,
        "bad_request.html",
        {"message": message, "back": request.path},
        status=codes.INVALID_INPUT.http_status,
    )


class BadInputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(OWN_FORMAT_PREFIXES) and has_nul(request.GET):
            return bad_input_page(request, NUL_MESSAGE)
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
