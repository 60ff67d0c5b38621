"""A minimal Django app doing the bare work of an OpenRosa submission: the ceiling for intake.

It reads the multipart body, parses the XML (lxml when installed, else the stdlib's expat), takes the instanceID and inserts one row into
PostgreSQL (its own table, ``minimal_intake_submission``, unique on the instance ID as the project
dedupes), then answers 201. No middleware, no authentication, no form lookup, no processing request:
whatever the project's intake costs beyond this is what issue 34 asks to find. benchmarks/ingest.py
creates the table and serves this with the project's gunicorn settings:
``gunicorn --config python:bma.gunicorn_conf benchmarks.minimal_intake.app:application --workers 3``.
Needs MINIMAL_DATABASE_URL (a postgres:// URL).
"""

from __future__ import annotations

import os

import environ
from django.conf import settings

from benchmarks.minimal_intake import TABLE

if not settings.configured:
    database = environ.Env.db_url_config(os.environ["MINIMAL_DATABASE_URL"])
    database["CONN_MAX_AGE"] = 60  # as the project's default (bma/settings.py)
    settings.configure(
        DEBUG=False,
        SECRET_KEY="minimal-intake-benchmark-only",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={"default": database},
        USE_TZ=True,
    )

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

try:  # the minimal app parsed with lxml; the project's venv has no lxml, the stdlib's C parser is as fast
    from lxml import etree

    PARSER = "lxml"
    _parse = lambda payload: etree.fromstring(payload, etree.XMLParser(resolve_entities=False, no_network=True))  # noqa: E731
except ImportError:
    from xml.etree import ElementTree as etree

    PARSER = "xml.etree (expat)"
    _parse = etree.fromstring

RESPONSE = (
    '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
    '<message nature="submit_success">Received.</message></OpenRosaResponse>'
)


def submission(request):
    upload = request.FILES.get("xml_submission_file")
    if request.method != "POST" or upload is None:
        return HttpResponse(status=204 if request.method == "HEAD" else 400)
    payload = upload.read()
    root = _parse(payload)
    instance_id = root.findtext("{*}meta/{*}instanceID")
    if not instance_id:
        return HttpResponse("no instanceID", status=400)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (instance_id, payload) VALUES (%s, %s) ON CONFLICT (instance_id) DO NOTHING",
            [instance_id, payload],
        )
    response = HttpResponse(RESPONSE, status=201, content_type="text/xml; charset=utf-8")
    response["X-OpenRosa-Version"] = "1.0"
    response["X-Minimal-Parser"] = PARSER
    return response


urlpatterns = [path("submission", submission)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
