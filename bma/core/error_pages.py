"""403 and 404 pages in the reader's language with a way back (the reader's home, the page they came
from), instead of Django's English one-liners. The OpenRosa, Kobo and API endpoints keep a short
answer in plain text: their clients show no pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from bma.core.middleware import CENTRAL_PREFIX, _answered_in_own_format, central_error


def home_url(request) -> str:
    """Where the reader starts: the desk for desk users, else the page a login leads to."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return reverse("admin:index")
    if user is not None and user.is_authenticated and getattr(settings, "LOGIN_REDIRECT_URL", None):
        return resolve_url(settings.LOGIN_REDIRECT_URL)
    return resolve_url(settings.LOGIN_URL)


def back_url(request) -> str:
    """The page the reader came from, when it is one of this site's and not this same address."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return "" if urlsplit(referer).path == request.path else referer


def _page(request, template: str, title: str, message: str, status: int):
    if request.path.startswith(CENTRAL_PREFIX):
        return central_error(message, status)
    if _answered_in_own_format(request.path):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    context = {"title": title, "message": message, "home_url": home_url(request), "back_url": back_url(request)}
    return render(request, template, context, status=status)


def page_not_found(request, exception=None):
    return _page(
        request,
        "404.html",
        _("Page not found"),
        _("There is no page at this address, or it is not in your areas."),
        404,
    )


def permission_denied(request, exception=None):
    return _page(
        request,
        "403.html",
        _("Not allowed"),
        _("Your account may not open this page. Ask a coordinator if you need it."),
        403,
    )
