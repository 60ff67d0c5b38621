"""The health check that docker compose, the proxy and load balancers probe: the app answers and reaches
its database."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpResponse

log = logging.getLogger(__name__)


def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        log.exception("health check: the database cannot be reached")
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")
