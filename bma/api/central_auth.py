"""How analysts' tools log in to the Central-shaped entity API (/v1/...), and its answers in Central's shape.

pyodk logs in with ``POST /v1/sessions`` (``{"email", "password"}``) and then sends ``Authorization: Bearer
<token>``; the token is the user's API token (the one ``/api/token/`` gives). ruODK sends HTTP Basic on
every request: accepted over HTTPS only, as Central (and OpenRosa here) accept it, since the password
travels in the clear otherwise. A browser already signed in to the desk reads with its session. Every
password goes through ``authenticate``, so the guessing brake (django-axes) counts and locks as elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import json

from django.contrib.auth import authenticate, get_user_model
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, TokenAuthentication

from bma.core.api_permissions import HasReviewRole
from bma.core.errors import BmaError
from bma.entities.odata import ODataError

# Central's own words (tools show them as they come); translated for a reader who asks in ru or tg.
NOT_AUTHENTICATED = _("Could not authenticate with the provided credentials.")
HTTPS_ONLY = _("This authentication method is only available over HTTPS")
FORBIDDEN = _("The authenticated actor does not have rights to perform that action.")
NOT_FOUND = _("Could not find the resource you were looking for.")


class CentralError(exceptions.APIException):
    """A refusal with Central's numeric code (401.2, 403.1, 404.1...)."""

    def __init__(self, status: int, code: float, message: str, details: dict | None = None):
        super().__init__(message)
        self.status_code, self.central_code, self.details = status, code, details


def not_found() -> CentralError:
    return CentralError(404, 404.1, NOT_FOUND)


def central_json(data, status: int = 200, content_type: str = "application/json; charset=utf-8") -> HttpResponse:
    response = HttpResponse(json.dumps(data, ensure_ascii=False), status=status, content_type=content_type)
    response["Cache-Control"] = "private, no-cache"
    return response


def central_exception_handler(exc, context):
    """Every refusal as Central words it: ``{"message", "code"[, "details"]}``."""
    if isinstance(exc, ODataError):
        exc = CentralError(exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = exc.central_code if isinstance(exc, CentralError) else 401.2
        body = {"message": str(exc.detail) if isinstance(exc, CentralError) else str(NOT_AUTHENTICATED), "code": code}
        response = central_json(body, status=401)
        if getattr(exc, "auth_header", None):
            response["WWW-Authenticate"] = exc.auth_header
        return response
    if isinstance(exc, CentralError):
        body = {"message": str(exc.detail), "code": exc.central_code}
        if exc.details is not None:
            body["details"] = exc.details
        return central_json(body, status=exc.status_code)
    if isinstance(exc, exceptions.PermissionDenied):
        return central_json({"message": str(FORBIDDEN), "code": 403.1}, status=403)
    if isinstance(exc, exceptions.NotFound):
        return central_json({"message": str(NOT_FOUND), "code": 404.1}, status=404)
    if isinstance(exc, BmaError):  # the project's own refusals (a NUL in a parameter...), in Central's form
        return central_json({"message": str(exc.message), "code": float(exc.http_status)}, status=exc.http_status)
    if isinstance(exc, exceptions.APIException):  # a method not allowed, a body that is not JSON...
        return central_json({"message": str(exc.detail), "code": float(exc.status_code)}, status=exc.status_code)
    return None


class AuthenticationRefused(CentralError, exceptions.AuthenticationFailed):
    pass


def user_for_login(request, login: str, password: str):
    """The user of a login name or e-mail address (Central logs in by e-mail), through ``authenticate``:
    a wrong password counts towards the lockout, a locked-out login gets None."""
    username = login
    if "@" in login:
        matches = list(get_user_model().objects.filter(email__iexact=login, is_active=True)[:2])
        if len(matches) == 1 and not get_user_model().objects.filter(username=login).exists():
            username = matches[0].get_username()
    return authenticate(request, username=username, password=password)


class BearerAuthentication(TokenAuthentication):
    """``Authorization: Bearer <API token>``, as pyodk sends after ``POST /v1/sessions``."""

    keyword = "Bearer"

    def authenticate_credentials(self, key):
        try:
            return super().authenticate_credentials(key)
        except exceptions.AuthenticationFailed:
            raise AuthenticationRefused(401, 401.2, NOT_AUTHENTICATED) from None


class BasicAuthentication(BaseAuthentication):
    """HTTP Basic (ruODK's way): over HTTPS only; a login name or e-mail address and the password."""

    def authenticate(self, request):
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        if not request.is_secure():
            raise AuthenticationRefused(401, 401.3, HTTPS_ONLY)
        try:
            login, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise AuthenticationRefused(401, 401.2, NOT_AUTHENTICATED) from None
        user = user_for_login(request._request, login, password) if sep and login else None
        if user is None or not user.is_active:
            raise AuthenticationRefused(401, 401.2, NOT_AUTHENTICATED)
        return (user, None)

    def authenticate_header(self, request):
        return 'Basic realm="BMA"'


class CentralApiMixin:
    """Bearer, Basic, or a desk session; staff with a review role only (enumerators work through ODK)."""

    authentication_classes = [BearerAuthentication, BasicAuthentication, SessionAuthentication]
    permission_classes = [HasReviewRole]
    schema = None  # documented by Central's API docs, not in this server's /api/schema/

    def get_exception_handler(self):
        return central_exception_handler

    def get_authenticate_header(self, request):
        return "Bearer"

    def permission_denied(self, request, message=None, code=None):
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        raise exceptions.PermissionDenied()
