"""The language switcher of the admin header and the report: one POST that keeps the choice."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bma.core.languages import LANGUAGE_CODES, user_language_set
from bma.core.middleware import bad_input_page


@require_POST
def language_choose(request):
    language = request.POST.get("language", "")
    if language not in LANGUAGE_CODES:
        return bad_input_page(request, f"'{language[:20]}' is not one of this server's languages.")
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.user.is_authenticated:
        user_language_set(request.user, language)
    # Also for a visitor not signed in (the login page), as Django's own set_language does.
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", secure=request.is_secure())
    return response
