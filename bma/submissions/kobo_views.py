"""KoboToolbox REST service endpoint: one URL per project token.

Kobo retries only on 502/503/504 and time-outs, so a transient failure on our side must answer 503;
a duplicate answers 2xx so Kobo stops retrying; a bad token or payload is a 4xx it will not retry.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bma.core.db import transient_db_error
from bma.core.errors import BmaError, codes
from bma.submissions.models import SubmissionSource
from bma.submissions.services import (
    Outcome,
    kobo_body_limit,
    kobo_body_too_large,
    kobo_record_receive,
    rejection_record,
)

log = logging.getLogger(__name__)


def _body(request) -> bytes:
    """The body, refused with Kobo's JSON (not Django's HTML 400 and a logged traceback) when too large."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > kobo_body_limit():
        raise kobo_body_too_large(declared)
    try:
        body = request.body
    except RequestDataTooBig as exc:
        raise kobo_body_too_large(None) from exc
    if len(body) > kobo_body_limit():  # a body sent without a length
        raise kobo_body_too_large(len(body))
    return body


@csrf_exempt
@require_POST
def kobo_record(request, token: str):
    try:
        result = kobo_record_receive(token=token, payload=_body(request))
    except BmaError as exc:
        rejection_record(
            source=SubmissionSource.KOBO,
            error=exc,
            user=exc.extra.get("user"),
            form_id=exc.extra.get("form_id", ""),
            instance_id=exc.extra.get("instance_id", ""),
            request=request,
        )
        return JsonResponse({"error": exc.code.code, "message": exc.message}, status=exc.http_status)
    except DatabaseError as exc:
        if not transient_db_error(exc):
            # A fault that a resend would meet again: a 5xx Kobo does not retry, with words, not a page.
            log.exception("Kobo record could not be stored")
            return JsonResponse(
                {
                    "error": "server.error",
                    "message": "The record could not be stored; an administrator has the details.",
                },
                status=500,
            )
        # The record's transaction rolled back: nothing is half-stored, and Kobo's resend is stored once.
        log.warning("Kobo record could not be stored, the database is unavailable (%s); Kobo will retry", exc)
        response = JsonResponse(
            {
                "error": codes.SERVICE_UNAVAILABLE.code,
                "message": "The server's database is not answering; nothing was stored. Send the record again later.",
            },
            status=503,
        )
        response["Retry-After"] = str(settings.BMA_RETRY_AFTER_SECONDS)
        return response
    status = 201 if result.outcome != Outcome.DUPLICATE else 200
    return JsonResponse(
        {"instance_id": result.submission.instance_id, "outcome": str(result.outcome)},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )
