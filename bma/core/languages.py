"""A person's language: chosen once, kept on the user, used for every page and message they get."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from bma.core.models import UserLanguage

LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}


def user_language(user) -> str | None:
    """The language the user chose, or None (then the browser's decides)."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_bma_language", False)
    if cached is False:
        cached = UserLanguage.objects.filter(user=user).values_list("language", flat=True).first()
        user._bma_language = cached
    return cached


def user_language_set(user, language: str) -> None:
    if language not in LANGUAGE_CODES:
        raise ValueError(f"'{language}' is not one of this server's languages ({', '.join(sorted(LANGUAGE_CODES))}).")
    UserLanguage.objects.update_or_create(user=user, defaults={"language": language})
    user._bma_language = language


def activate_for(request) -> None:
    chosen = user_language(request.user)
    if chosen:
        translation.activate(chosen)
        request.LANGUAGE_CODE = chosen


def device_language(request, user=None) -> str:
    """The language to answer a device in: the person's saved choice, else the request's
    Accept-Language (ODK Collect and the browser send the device's language), else English.

    The OpenRosa endpoints authenticate in the view (Digest, Basic, a token in the path), after the
    middleware has run, so they ask for the person's language here rather than from request.user.
    """
    return user_language(user) or translation.get_language_from_request(request) or settings.LANGUAGE_CODE
