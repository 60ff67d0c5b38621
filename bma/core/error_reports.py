"""Where errors are reported: Sentry when SENTRY_DSN is set, otherwise by mail to ADMINS; never with an
informant's name or phone, nor a device token.

Errors in this server can carry personal data in several places: the payload bytes and the typed
values in a frame's local variables, a database error's DETAIL line (``Key (name)=(...)``), a
model's repr (an informant shows as its name or phone), the request body, and URL paths that
carry device tokens. So:

- Sentry gets no local variables, no request body, no cookies and no user (send_default_pii=False);
  ``scrub_event`` then rewrites every message, exception value and breadcrumb it sends.
- The ADMINS mail (Django's AdminEmailHandler, used only when no DSN is set) includes a traceback with
  local variables, POST data and the request's META: bma/core/error_mail.py leaves them out when
  DEBUG is off and scrubs the subject and body like an event.

Imported by settings.py (no Django imports here: settings are not configured yet).
"""

from __future__ import annotations

import re
from email.utils import parseaddr

from bma.core.log_redaction import redact_tokens

REMOVED = "[removed]"
# Informants' fields in XML (<ki_name>…</ki_name>), in Kobo's JSON ("ki/ki_contact/ki_name": "…") and in
# key=value text; the forms name them ki_name and ki_phone, the typed model name and phone.
_PERSONAL_FIELD = r"(?:[\w/]*ki_name|[\w/]*ki_phone|name|phone)"
_XML_FIELD = re.compile(rf"<({_PERSONAL_FIELD})>[^<]*</\1>", re.IGNORECASE)
_JSON_FIELD = re.compile(rf"(\"{_PERSONAL_FIELD}\"\s*:\s*)\"(?:[^\"\\]|\\.)*\"", re.IGNORECASE)
_KV_FIELD = re.compile(rf"(\b{_PERSONAL_FIELD}\s*=\s*)('[^']*'|\"[^\"]*\"|[^\s,)]+)", re.IGNORECASE)
# PostgreSQL's DETAIL quotes the values of a violated key: "Key (round_id, name)=(3, Jamshed)".
_KEY_DETAIL = re.compile(r"(Key \([^)]*\)=\()[^)]*(\))")
# An informant's repr is its name or phone (bma.assessments.models.Informant.__str__).
_INFORMANT_REPR = re.compile(r"(<Informant: )[^>]*(>)")
# A phone number: nine or more digits (Tajik numbers without the country code have nine), with the
# separators people type; an ISO date and time is not one.
_PHONE = re.compile(r"\+?\(?\d[\d\s().-]{7,}\d")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _phone(match: re.Match) -> str:
    text = match.group(0)
    if sum(c.isdigit() for c in text) < 9 or _DATE.match(text):
        return text
    return "[phone]"


def scrub_text(text: str) -> str:
    if not isinstance(text, str) or not text:
        return text
    text = redact_tokens(text)
    text = _XML_FIELD.sub(lambda m: f"<{m.group(1)}>{REMOVED}</{m.group(1)}>", text)
    text = _JSON_FIELD.sub(rf'\1"{REMOVED}"', text)
    text = _KV_FIELD.sub(rf"\1{REMOVED}", text)
    text = _KEY_DETAIL.sub(rf"\1{REMOVED}\2", text)
    text = _INFORMANT_REPR.sub(rf"\1{REMOVED}\2", text)
    return _PHONE.sub(_phone, text)


def _scrub_values(value):
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list | tuple):
        return [_scrub_values(item) for item in value]
    if isinstance(value, dict):
        return {key: _scrub_values(item) for key, item in value.items()}
    return value


# A log call's argument that is plain words ("Zarina Rahimova") may be anyone's name; one with a digit or
# the punctuation of an id, path or error ("uuid:…", "/collect/…", "OperationalError: …") locates the fault.
_LOCATING = re.compile(r"[\d/:._@=<>()\[\]-]")


def _log_param(param):
    if isinstance(param, str):
        param = scrub_text(param)
        return param if _LOCATING.search(param) else "[text]"
    return _scrub_values(param)


def _scrub_frames(holder: dict) -> None:
    """No local variables; the source lines shown around each frame are code, scrubbed all the same."""
    for frame in (holder.get("stacktrace") or {}).get("frames") or []:
        frame.pop("vars", None)
        for key in ("pre_context", "post_context"):
            if isinstance(frame.get(key), list):
                frame[key] = [scrub_text(line) for line in frame[key]]
        frame["context_line"] = scrub_text(frame.get("context_line"))


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """Sentry's before_send: what leaves the server says where it broke, not whom it was about."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "env"):
            request.pop(key, None)
        for key in ("url", "query_string"):
            if isinstance(request.get(key), str):
                request[key] = redact_tokens(request[key])
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: redact_tokens(value) if isinstance(value, str) else value
                for name, value in headers.items()
                if name.lower() not in ("authorization", "cookie", "x-openrosa-instance-id")
            }
    event.pop("user", None)
    for exception in (event.get("exception") or {}).get("values") or []:
        exception["value"] = scrub_text(exception.get("value"))
        _scrub_frames(exception)
    for thread in (event.get("threads") or {}).get("values") or []:
        _scrub_frames(thread)
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        logentry["message"] = scrub_text(logentry.get("message"))
        logentry["formatted"] = scrub_text(logentry.get("formatted"))
        params = logentry.get("params")
        if isinstance(params, list | tuple) and params:
            logentry["params"] = [_log_param(param) for param in params]
            try:
                logentry["formatted"] = logentry["message"] % tuple(logentry["params"])
            except (TypeError, ValueError):
                logentry["formatted"] = logentry["message"]
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    if isinstance(event.get("extra"), dict):
        event["extra"] = _scrub_values(event["extra"])
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:
        crumb["message"] = scrub_text(crumb.get("message"))
        crumb.pop("data", None)  # SQL parameters, HTTP bodies
    return event


def sentry_init(dsn: str, *, environment: str = "", transport=None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_event,
        traces_sample_rate=0,
        transport=transport,
    )


def admins_from_env(value: str) -> list[tuple[str, str]]:
    """ADMINS from "Name <address>, other@example.org" as Django 5.2 wants it: (name, address) pairs."""
    admins = []
    for entry in value.split(","):
        name, address = parseaddr(entry.strip())
        if address:
            admins.append((name or address, address))
    return admins
