"""Middleware that pages need and device endpoints do not: skipped on the device-token URLs (issue 34).

ODK Collect with a QR-code token (/collect/key/<token>/...) and Kobo's REST service (/kobo/<token>/)
authenticate by the token in the path alone and answer in OpenRosa XML or JSON, in the device's
language (Collect's view picks it itself). Sessions, the signed-in user, the page's language and flash
messages are page and login work: on these URLs they did nothing but cost ~0.5 ms of every submission.
So settings.MIDDLEWARE lists them through ``pages_only`` subclasses, which run the middleware for every
other URL exactly as before and step over it here. Everything that guards these URLs still runs for
them: the request id, the HTTPS redirect and security headers, the host check, the refusal of NULs,
the database-down answer; CSRF and Axes stay listed by their own names, as their checks want (the views
are CSRF-exempt and a token is no password: together ~0.05 ms). The Content-Security-Policy header is
the same fixed one these answers always got (nothing here renders a page, so no nonce is ever made),
without the per-request work.
The /collect/ URLs without a token (Digest, Basic and the Web Forms session) keep every middleware.
"""

from __future__ import annotations

from functools import cache

from csp.middleware import CSPMiddleware as _CSPMiddleware
from django.contrib.auth.middleware import AuthenticationMiddleware as _AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.middleware.locale import LocaleMiddleware as _LocaleMiddleware

from bma.core.middleware import UserLanguageMiddleware as _UserLanguageMiddleware

DEVICE_TOKEN_PREFIXES = ("/collect/key/", "/kobo/")


def pages_only(middleware: type, device=None, prefixes: tuple[str, ...] = DEVICE_TOKEN_PREFIXES) -> type:
    """A subclass of ``middleware`` for settings.MIDDLEWARE (so Django's checks still find it): itself on
    pages; on the device-token URLs (``prefixes``), ``device(request, get_response)`` or nothing at all."""

    def skipped(request) -> bool:
        return request.path_info.startswith(prefixes)

    def __call__(self, request):
        if skipped(request):
            return device(request, self.get_response) if device is not None else self.get_response(request)
        return middleware.__call__(self, request)

    attributes = {"__call__": __call__, "__doc__": f"{middleware.__name__}, on every URL but the device-token ones."}
    # Django registers the hooks a middleware has: the subclass steps over the same ones.
    for hook in ("process_view", "process_exception", "process_template_response"):
        method = getattr(middleware, hook, None)
        if method is not None:
            attributes[hook] = _skipped_hook(method, skipped)
    return type(middleware.__name__, (middleware,), attributes)


def _skipped_hook(method, skipped):
    def hook(self, request, *args):
        return None if skipped(request) else method(self, request, *args)

    return hook


@cache
def _fixed_policy() -> str:
    from csp.utils import build_policy

    return build_policy()


def _device_policy(request, get_response):
    """The policy every answer carries, without django-csp's per-request work (no nonce is made here)."""
    from csp.constants import HEADER

    response = get_response(request)
    if HEADER not in response and not getattr(response, "_csp_exempt", False):
        response[HEADER] = _fixed_policy()
    return response


def _anonymous(request, get_response):
    # Nothing on these URLs reads request.user; set so that nothing that might (logging, error reports) fails.
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    return get_response(request)


CSPMiddleware = pages_only(_CSPMiddleware, _device_policy)
SessionMiddleware = pages_only(_SessionMiddleware)
# Kobo's refusals are worded in the request's language by this middleware (Collect's by the view itself).
LocaleMiddleware = pages_only(_LocaleMiddleware, prefixes=("/collect/key/",))
AuthenticationMiddleware = pages_only(_AuthenticationMiddleware, _anonymous)
MessageMiddleware = pages_only(_MessageMiddleware)


UserLanguageMiddleware = pages_only(_UserLanguageMiddleware)
