"""KoboToolbox REST service endpoint: one URL per project token.

Kobo retries only on 502/503/504 and time-outs, so a transient failure on our side must answer 503;
a duplicate answers 2xx so Kobo stops retrying; a bad token or payload is a 4xx it will not retry.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bma.core.db import transient_db_error
from bma.core.errors import BmaError, codes
from bma.submissions.models import SubmissionSource
from bma.submissions.services import Outcome, kobo_record_receive, rejection_record

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def kobo_record(request, token: str):
    try:
        result = kobo_record_receive(token=token, payload=request.body)
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
