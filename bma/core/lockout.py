"""The brake on password guessing, around django-axes: one place for every way in.

The admin and web login and /api/token/ go through ``django.contrib.auth.authenticate``, where the
Axes backend refuses a locked-out user+address and the failure signal counts each wrong password.
OpenRosa Digest never calls ``authenticate`` (the password is not sent), so it asks and reports here
itself. A lockout is answered in the caller's terms: the API's JSON error, an OpenRosa XML message
(built by the OpenRosa view, marked ``bma_lockout`` so the Axes middleware keeps it), or a page.
"""

from __future__ import annotations

import ipaddress

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext

from bma.core.errors import codes


def client_ip(request) -> str | None:
    """The caller's address: REMOTE_ADDR, or the address our own proxy saw (BMA_BEHIND_TLS_PROXY).

    Any client can send X-Forwarded-For, so it is read only behind a configured proxy, and then only
    its last entry, the one that proxy appended; earlier entries are whatever the client claimed.
    """
    if settings.BMA_BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if _is_ip(forwarded):
            return forwarded
    remote = request.META.get("REMOTE_ADDR", "")
    return remote if _is_ip(remote) else None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def lockout_message() -> str:
    minutes = int(get_cool_off().total_seconds() // 60)
    return gettext(
        "Too many failed logins for this account from your address: logins are refused for %(minutes)s "
        "minutes after the last failed attempt. Wait, or ask an administrator to unlock the account."
    ) % {"minutes": minutes}


def lockout_allowed(request, username: str) -> bool:
    """False while ``username`` is locked out for this request's address."""
    return AxesProxyHandler.is_allowed(request, {"username": username})


def lockout_failure(request, username: str) -> bool:
    """Count a wrong password for ``username`` from this address; True when that locks it out now."""
    user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
    return bool(getattr(request, "axes_locked_out", False))


def lockout_success(request, user) -> None:
    """A right password outside a session login (API token): forget this address's failures for the user."""
    AxesProxyHandler.user_logged_in(__name__, request, user)


def lockout_forget(request, user) -> None:
    """Like lockout_success, for OpenRosa's every request: only when there are failures to forget, so
    a device's routine requests add one look-up and no access-log row each."""
    if AxesProxyHandler.get_failures(request, {"username": user.get_username()}):
        lockout_success(request, user)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: what a locked-out caller gets instead of the view's answer."""
    if getattr(original_response, "bma_lockout", False):  # the OpenRosa view already answered in XML
        return original_response
    message = lockout_message()
    if request.path.startswith(("/api/", "/v1/")):
        code = codes.AUTH_LOCKED_OUT
        return JsonResponse({"code": code.code, "message": message, "extra": {}}, status=code.http_status)
    return render(
        request, "registration/locked_out.html", {"message": message}, status=codes.AUTH_LOCKED_OUT.http_status
    )
