"""Device tokens never reach a log: Django's loggers, runserver's, gunicorn's as the image starts it, and the
proxy's nginx access log, all with bma/core/log_redaction.py's one pattern."""

import datetime as dt
import io
import json
import logging
import os
import re
import subprocess
import sys
from types import SimpleNamespace

import pytest
import yaml
from gunicorn.app.wsgiapp import WSGIApplication

from bma.core.log_redaction import redact_tokens
from tests.conftest import REPO_ROOT

TOKEN = "Zq7tokenXw2y9"
URIS = [
    f"/collect/key/{TOKEN}/formList",
    f"/collect/key/{TOKEN}/forms/b2_village/media/villages.csv?x=1",
    f"/collect/key/{TOKEN}/submission?deviceID=collect:abc",
    f"/collect/key/{TOKEN}",
    f"/kobo/{TOKEN}/",
    f"/kobo/{TOKEN}?a=b",
    f"https://bma.example.org/collect/key/{TOKEN}/formList",
]
UNTOUCHED = ["/collect/formList", "/collect/submission?deviceID=collect:abc", "/admin/", "/kobo/"]


def test_the_pattern_masks_every_token_url_and_nothing_else():
    for uri in URIS:
        masked = redact_tokens(uri)
        assert TOKEN not in masked and "[token]" in masked
    assert redact_tokens(f"/collect/key/{TOKEN}/formList?a=1") == "/collect/key/[token]/formList?a=1"
    for uri in UNTOUCHED:
        assert redact_tokens(uri) == uri


# --- Django: every handler a record can reach through the logger tree -------------------------------------


def handlers_reached(logger: logging.Logger):
    while logger:
        yield from logger.handlers
        if not logger.propagate:
            return
        logger = logger.parent


def written_by(logger_name: str, emit) -> str:
    """Everything the handlers that ``logger_name``'s records reach write while ``emit`` runs."""
    streams = []
    for handler in handlers_reached(logging.getLogger(logger_name)):
        if type(handler).__module__.startswith("_pytest"):
            continue  # pytest's own capture (caplog), read through caplog
        assert isinstance(handler, logging.StreamHandler), f"{handler!r}: a handler the test cannot read"
        written = io.StringIO()
        streams.append((handler, written, handler.setStream(written)))
    try:
        emit()
    finally:
        for handler, _written, previous in streams:
            handler.setStream(previous)
    return "".join(written.getvalue() for _handler, written, _previous in streams)


@pytest.mark.django_db
def test_django_request_lines_carry_no_token_even_with_debug_on(client, settings, caplog):
    settings.DEBUG = True  # Django's own console handler writes only then
    with caplog.at_level(logging.INFO):
        out = written_by("django.request", lambda: client.get(f"/collect/key/{TOKEN}/forms/nope/form.xml"))
    assert "/collect/key/[token]/forms/nope/form.xml" in out and TOKEN not in out
    assert "/collect/key/[token]/forms/nope/form.xml" in caplog.text and TOKEN not in caplog.text


def test_runserver_request_lines_carry_no_token(settings):
    settings.DEBUG = True
    request_line = f"GET /collect/key/{TOKEN}/formList HTTP/1.1"
    out = written_by(
        "django.server",
        # As django.core.servers.basehttp.WSGIRequestHandler.log_message logs each request.
        lambda: logging.getLogger("django.server").info(
            '"%s" %s %s', request_line, "200", "312", extra={"request": None, "server_time": "now", "status_code": 200}
        ),
    )
    assert '"GET /collect/key/[token]/formList HTTP/1.1" 200 312' in out and TOKEN not in out


def test_our_own_lines_and_their_tracebacks_carry_no_token(caplog):
    def emit():
        log = logging.getLogger("bma.submissions.kobo_views")
        log.warning("Database unavailable for %s: answered 503", f"/kobo/{TOKEN}/")
        try:
            raise ValueError(f"cannot store /kobo/{TOKEN}/")
        except ValueError:
            log.exception("Kobo record could not be stored")

    with caplog.at_level(logging.INFO):
        out = written_by("bma.submissions.kobo_views", emit)
    assert "/kobo/[token]/" in out and "Traceback" in out and TOKEN not in out
    assert TOKEN not in caplog.text


# --- gunicorn, started as the Dockerfile and docker-compose.yml start it ---------------------------------------


def gunicorn_commands() -> dict[str, list[str]]:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    return {"Dockerfile": cmd, "docker-compose.yml web": compose["services"]["web"]["command"]}


@pytest.fixture
def gunicorn_loggers():
    """gunicorn's two loggers are process-wide: put them back as they were after the test."""
    loggers = [logging.getLogger("gunicorn.access"), logging.getLogger("gunicorn.error")]
    kept = [(log.handlers[:], log.filters[:]) for log in loggers]
    yield
    for log, (handlers, filters) in zip(loggers, kept, strict=True):
        for handler in log.handlers:
            if handler not in handlers:
                handler.close()
        log.handlers[:], log.filters[:] = handlers, filters


@pytest.mark.parametrize("started_by", ["Dockerfile", "docker-compose.yml web"])
def test_gunicorn_as_shipped_writes_no_token_to_its_access_or_error_log(
    started_by, tmp_path, monkeypatch, gunicorn_loggers
):
    argv = gunicorn_commands()[started_by]
    assert argv[0] == "gunicorn"
    # gunicorn's own command line and config-file reading, as in the container; the access log is off
    # by default (the proxy logs requests), so it is turned on here as an operator would.
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    logs = ["--access-logfile", str(tmp_path / "access.log"), "--error-logfile", str(tmp_path / "error.log")]
    monkeypatch.setattr(sys, "argv", [*argv, *logs])
    application = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]")
    assert application.app_uri == "bma.wsgi:application"
    logger = application.cfg.logger_class(application.cfg)

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/collect/key/{TOKEN}/formList?formID=b2",
        "PATH_INFO": f"/collect/key/{TOKEN}/formList",
        "QUERY_STRING": "formID=b2",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.5",
        "HTTP_REFERER": f"https://bma.example.org/kobo/{TOKEN}/",
        "HTTP_USER_AGENT": "org.odk.collect.android/v2024.2.4",
    }
    response = SimpleNamespace(status="200 OK", sent=312, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, dt.timedelta(milliseconds=40))
    logger.error("Error handling request %s", f"/kobo/{TOKEN}/")

    access = (tmp_path / "access.log").read_text()
    assert '"GET /collect/key/[token]/formList?formID=b2 HTTP/1.1" 200 312' in access
    assert '"https://bma.example.org/kobo/[token]/"' in access
    error = (tmp_path / "error.log").read_text()
    assert "Error handling request /kobo/[token]/" in error
    assert TOKEN not in access + error


# --- The proxy: nginx's access log -----------------------------------------------------------------------------


def proxy_site(tmp_path, plain_http: bool) -> str:
    """The site docker/proxy/entrypoint.sh writes, with a stand-in nginx (no nginx runs here)."""
    (tmp_path / "bin").mkdir(exist_ok=True)
    stub = tmp_path / "bin" / "nginx"
    stub.write_text("#!/bin/sh\nexit 0\n")
    stub.chmod(0o755)
    tls = tmp_path / "tls"
    tls.mkdir(exist_ok=True)
    (tls / "cert.pem").write_text("cert")
    (tls / "key.pem").write_text("key")
    conf = tmp_path / "bma.conf"
    env = dict(
        os.environ,
        PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}",
        BMA_PROXY_CONF=str(conf),
        BMA_PROXY_TLS_DIR=str(tls),
        BMA_PLAIN_HTTP="1" if plain_http else "0",
    )
    subprocess.run(["sh", str(REPO_ROOT / "docker" / "proxy" / "entrypoint.sh")], env=env, check=True)
    return conf.read_text()


def nginx_map(site: str, source: str, target: str):
    """The regex map from ``source`` to ``target``, as a Python function (nginx's PCRE subset used here)."""
    block = re.search(rf"map \${source} \${target} {{(.*?)\n}}", site, re.S).group(1)
    assert f"default ${source};" in block
    pattern, value = re.search(r'^\s*"~((?:[^"\\]|\\.)*)"\s+"((?:[^"\\]|\\.)*)";', block, re.M).groups()
    # nginx's quoted strings: \" and \\ are escapes, any other backslash reaches PCRE as it is.
    pattern = re.sub(r'\\(["\\])', r"\1", pattern)
    regex, replacement = re.compile(pattern), re.sub(r"\$(\d)", r"\\\1", value)
    return lambda text: regex.sub(replacement, text, count=1) if regex.search(text) else text


@pytest.mark.parametrize("plain_http", [True, False])
def test_the_proxy_logs_requests_with_the_token_masked_as_the_python_pattern_does(tmp_path, plain_http):
    site = proxy_site(tmp_path, plain_http)
    masked_uri = nginx_map(site, "request_uri", "bma_masked_uri")
    masked_referer = nginx_map(site, "http_referer", "bma_masked_referer")
    for uri in URIS + UNTOUCHED:
        assert masked_uri(uri) == redact_tokens(uri), uri
        assert masked_referer(uri) == redact_tokens(uri), uri

    log_format = re.search(r"log_format bma_masked (.*?);\n", site, re.S).group(1)
    variables = set(re.findall(r"\$(\w+)", log_format))
    assert {"bma_masked_uri", "bma_masked_referer"} <= variables
    assert not variables & {"request", "request_uri", "uri", "http_referer", "args", "query_string"}

    # Every server logs in that format (a server's access_log replaces Debian's http-level one).
    servers = re.findall(r"^server {.*?^}", site, re.S | re.M)
    assert len(servers) == (1 if plain_http else 2)
    for server in servers:
        assert re.findall(r"^\s*access_log [^;]*;", server, re.M) == [
            "    access_log /var/log/nginx/access.log bma_masked;"
        ]
    assert "access_log" not in site.split("server {", 1)[0]


def test_a_celery_worker_logs_no_token(tmp_path):
    # The worker's own logging set-up, as `celery worker` runs it: it replaces the root's handlers.
    from bma.celery import app

    root, task_logger = logging.getLogger(), logging.getLogger("celery.task")
    loggers = (root, task_logger, logging.getLogger("celery.redirected"))
    kept = [(log, log.handlers[:], log.level, log.propagate) for log in loggers]
    app.log.already_setup = False
    try:
        app.log.setup_logging_subsystem(loglevel="INFO", logfile=str(tmp_path / "worker.log"), colorize=False)
        logging.getLogger("bma.submissions.pulling").warning("could not reach %s", f"/kobo/{TOKEN}/")
        for handler in root.handlers:
            handler.flush()
    finally:
        for log, handlers, level, propagate in kept:
            for handler in log.handlers:
                if handler not in handlers:
                    handler.close()
            log.handlers[:], log.propagate = handlers, propagate
            log.setLevel(level)
        app.log.already_setup = False
    written = (tmp_path / "worker.log").read_text()
    assert "could not reach /kobo/[token]/" in written and TOKEN not in written
