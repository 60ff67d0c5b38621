"""The OpenRosa answer with a message (<OpenRosaResponse>), and the headers every /collect/ answer carries.

Here, in core, because a request can be refused before any view runs (bma/core/middleware.py) and must
still be answered in Collect's terms; the /collect/ views (bma/submissions/openrosa_views.py) use the same.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse
from django.utils import translation
from django.utils.http import http_date

RESPONSE_NS = "http://openrosa.org/http/response"


def response_xml(message: str, nature: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<OpenRosaResponse xmlns="{RESPONSE_NS}" items="0">'
        f'<message nature="{escape(nature)}">{escape(message)}</message></OpenRosaResponse>'
    ).encode()


def openrosa_headers(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Version"] = "1.0"
    response["X-OpenRosa-Accept-Content-Length"] = str(settings.BMA_SUBMISSION_MAX_BYTES)
    response["Date"] = http_date()
    # The <message> texts are in the enumerator's language (see openrosa_views.openrosa_endpoint).
    response["Content-Language"] = translation.get_language() or settings.LANGUAGE_CODE
    return response


def openrosa_xml(body: bytes, status: int = 200) -> HttpResponse:
    # text/xml, not application/xml: Collect treats anything else as a captive portal.
    return openrosa_headers(HttpResponse(body, status=status, content_type="text/xml; charset=utf-8"))


def openrosa_message(message: str, status: int, nature: str = "") -> HttpResponse:
    # str(): a lazy message is worded now, in the language the endpoint activated.
    return openrosa_xml(response_xml(str(message), nature), status)
