"""ODK Collect's set-up QR code for one enumerator's device, in Collect's own settings format.

What Collect reads from a settings QR code (getodk/collect: CompressionUtils.decompress, then the
settings importer and its client-settings JSON schema): the code's text is base64 of zlib-compressed
(java.util.zip.Deflater, i.e. a zlib stream with header) UTF-8 JSON with a ``general`` and an
``admin`` object (both required, even if empty) and an optional ``project`` object (name, icon,
color). Keys Collect does not know are dropped silently, so each key here is one of its own.

``general.server_url`` is this server's token URL, /collect/key/<token>, like ODK Central's app users:
Collect strips trailing slashes and appends /formList and /submission, so the URL has none.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import zlib
from urllib.parse import urlsplit

import segno
from django.conf import settings as django_settings
from django.utils.translation import gettext

# Collect has no Tajik translation of its own screens (no values-tg among its string resources): a
# Tajik-speaking enumerator gets Collect in Russian, which every enumerator here reads, rather than
# Android's fallback to English. The forms' own languages are chosen inside each form, not here.
COLLECT_APP_LANGUAGES = {"en": "en", "ru": "ru", "tg": "ru"}

# Collect's own words for the buttons the sheet tells the enumerator to press, as the tablet shows them
# (getodk/collect strings: configure_with_qr_code, add_project, enter_data; values-ru for Russian): the
# sheet quotes the button the enumerator will see, not a translation of our own.
COLLECT_MENU_NAMES = {
    "en": {"configure": "Configure with QR code", "add_project": "Add project", "start": "Start new form"},
    "ru": {"configure": "Настроить с помощью QR-кода", "add_project": "Добавить проект", "start": "Начать новую форму"},
}

PROJECT_COLOR = "#0033a0"  # the report's blue: the project's tile in Collect's project list


def collect_settings(*, server_url: str, project_name: str, language: str = "", username: str = "") -> dict:
    """The settings object Collect imports for one device."""
    general = {
        "server_url": server_url.rstrip("/"),
        # The device keeps exactly the forms the server lists (the round's B2 replaces the last one)
        # and sends finalized forms as soon as it has any connection.
        "form_update_mode": "match_exactly",
        "autosend": "wifi_and_cellular",
    }
    if language in COLLECT_APP_LANGUAGES:
        general["app_language"] = COLLECT_APP_LANGUAGES[language]
    if username:
        # A token URL carries no user name: this fills the forms' "username" metadata instead.
        general["metadata_username"] = username
    return {
        "general": general,
        "admin": {},
        "project": {"name": project_name, "icon": project_name[:1].upper(), "color": PROJECT_COLOR},
    }


def collect_settings_encode(settings: dict) -> str:
    """The text of the QR code: base64(zlib(JSON)), as Collect's CompressionUtils.decompress reads it."""
    raw = json.dumps(settings, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def collect_settings_decode(text: str) -> dict:
    """The inverse, for the tests and for anyone checking a printed code."""
    return json.loads(zlib.decompress(base64.b64decode(text)).decode("utf-8"))


def collect_qr(text: str) -> segno.QRCode:
    # Level M: a printed sheet gets folded and smudged; the payload is short enough for it.
    return segno.make_qr(text, error="m")


def collect_qr_svg(text: str) -> str:
    """Inline SVG (no image file, nothing fetched), sized in millimetres so it prints at a scannable size."""
    return collect_qr(text).svg_inline(scale=1, unit="mm", border=4, dark="#000", light="#fff")


def collect_menu_names(language: str) -> dict:
    """Collect's button names in the language its screens will be in on a tablet set up for ``language``."""
    return COLLECT_MENU_NAMES[COLLECT_APP_LANGUAGES.get(language, "en")]


def collect_server_url(path: str, request_url: str) -> str:
    """The address the tablets are given: ``BMA_PUBLIC_URL`` (the server's address as the tablets reach
    it, e.g. behind a proxy or a public name) joined with ``path``; else the address the sheet was opened
    at (``request_url``), which may be a loopback or private one."""
    public = getattr(django_settings, "BMA_PUBLIC_URL", "")
    if public:
        return public.rstrip("/") + "/" + path.lstrip("/")
    return request_url


def unreachable_address_warning(url: str) -> str:
    """Why tablets in the field may not reach ``url`` (a loopback or a private address), or ""."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        loopback = True
    else:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return ""  # a name: what it resolves to on the tablets' network cannot be told from here
        loopback = address.is_loopback or address.is_unspecified
        if not loopback and not (address.is_private or address.is_link_local):
            return ""
    if loopback:
        return gettext(
            "This code would send the tablet to %(host)s, which is the tablet itself: it cannot reach this "
            "server there. Set BMA_PUBLIC_URL to the address tablets reach the server at, or open this sheet "
            "at that address, and print it again."
        ) % {"host": host}
    return gettext(
        "This code sends the tablet to the private address %(host)s: only a tablet on the same local network "
        "reaches it, not one in the field over mobile data. Set BMA_PUBLIC_URL to the server's public address "
        "if tablets send from outside this network."
    ) % {"host": host}
