"""A request id on every answer (X-Request-ID) and on every log line written while it is handled.

The id is the one the proxy sent, when it is a plain token of letters, digits and -_. up to 64
characters, so one id follows a request from nginx to Django; otherwise a fresh one. An id that could
carry anything (a header is the client's text) would be a way to write into the logs, so nothing else
is taken. A context variable holds it, so a log line written from any code in the request carries it
(RequestIdFilter, set on every handler in settings.LOGGING), and a Sentry event is tagged with it.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

from django.core.signals import request_finished

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("bma_request_id", default=None)


def current_request_id() -> str | None:
    return _current.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sent = request.headers.get(HEADER, "")
        request_id = sent if _VALID.fullmatch(sent) else uuid.uuid4().hex
        request.request_id = request_id
        # Kept until the request is finished (below), not only while the middleware runs: Django logs
        # an error answer ("Not Found: ...") after the middleware chain has returned.
        _current.set(request_id)
        _tag_sentry(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _request_finished(**kwargs) -> None:
    _current.set(None)


request_finished.connect(_request_finished, dispatch_uid="bma.core.request_id")


def _tag_sentry(request_id: str) -> None:
    try:
        import sentry_sdk
    except ImportError:  # pragma: no cover - sentry-sdk is a dependency
        return
    if sentry_sdk.is_initialized():
        sentry_sdk.get_isolation_scope().set_tag("request_id", request_id)


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on the record (None outside a request: a task, a command)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _current.get()
        return True
