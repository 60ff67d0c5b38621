"""Every answer carries X-Request-ID, and with BMA_LOG_JSON=1 every log line is a JSON object with it
(token redaction still applies)."""

import json
import logging

import pytest

from bma.core.log_json import JsonFormatter
from bma.core.log_redaction import TokenRedactingFilter
from bma.core.request_id import RequestIdFilter


@pytest.fixture
def json_log_lines():
    """A handler set up as settings.LOGGING sets the console one when BMA_LOG_JSON=1."""
    lines = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(TokenRedactingFilter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_a_json_log_line_carries_the_request_id_of_the_answer(client, json_log_lines):
    response = client.get("/collect/key/secret-token-123/formList-nothing-here")
    assert response.status_code == 404
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    entries = [json.loads(line) for line in json_log_lines]
    (entry,) = [e for e in entries if e["request_id"] == request_id]
    assert entry["level"] == "WARNING" and entry["logger"] == "django.request"
    assert "secret-token-123" not in entry["message"] and "[token]" in entry["message"]


@pytest.mark.django_db
def test_the_proxys_request_id_is_kept_and_anything_else_replaced(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123.def").headers["X-Request-ID"] == "abc-123.def"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith a newline").headers["X-Request-ID"]
    assert replaced != "bad id\nwith a newline" and len(replaced) == 32


def test_json_logging_is_configured_by_the_setting(monkeypatch):
    import importlib

    import bma.settings

    monkeypatch.setenv("BMA_LOG_JSON", "1")
    try:
        reloaded = importlib.reload(bma.settings)
        assert reloaded.LOGGING["handlers"]["console"]["formatter"] == "json"
        assert "request_id" in reloaded.LOGGING["handlers"]["console"]["filters"]
    finally:
        monkeypatch.delenv("BMA_LOG_JSON")
        importlib.reload(bma.settings)


@pytest.mark.parametrize("plain_http", [True, False])
def test_the_proxy_sends_its_own_request_id_and_logs_it(tmp_path, plain_http):
    from tests.core.test_log_redaction import proxy_site

    site = proxy_site(tmp_path, plain_http)
    assert "proxy_set_header X-Request-ID $request_id;" in site  # nginx's id, never the client's
    assert "$http_x_request_id" not in site
    assert '"$http_user_agent" $request_id' in site  # the access log line carries the same id
