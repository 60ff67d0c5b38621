"""gunicorn believes no client's X-Forwarded-Proto: whether a request came over HTTPS (and so whether
Basic auth is offered) is decided by Django alone, from BMA_BEHIND_TLS_PROXY (bma/gunicorn_conf.py)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from gunicorn.app.wsgiapp import WSGIApplication

from tests.conftest import REPO_ROOT
from tests.core.test_log_redaction import gunicorn_commands, proxy_site


@pytest.mark.parametrize("behind_proxy", ["0", "1"])
@pytest.mark.parametrize("started_by", ["Dockerfile", "docker-compose.yml web"])
def test_gunicorn_as_shipped_trusts_no_forwarded_header(started_by, behind_proxy, monkeypatch):
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.setenv("BMA_BEHIND_TLS_PROXY", behind_proxy)
    monkeypatch.setattr(sys, "argv", gunicorn_commands()[started_by])
    cfg = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg
    assert cfg.forwarded_allow_ips == []
    assert cfg.secure_scheme_headers == {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def challenge(port: int) -> str:
    """The WWW-Authenticate /collect/ answers a plain-HTTP request that claims to have come over HTTPS."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/collect/formList", headers={"X-Forwarded-Proto": "https"}
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=30)
    assert answer.value.code == 401
    return ", ".join(answer.value.headers.get_all("WWW-Authenticate"))


@pytest.mark.parametrize("behind_proxy", [False, True])
def test_a_local_client_claiming_https_is_offered_basic_only_behind_the_tls_proxy(tmp_path, behind_proxy):
    port = free_port()
    env = dict(
        os.environ,
        DEBUG="1",  # no HTTPS redirect: the request reaches /collect/ over plain HTTP
        ALLOWED_HOSTS="*",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",  # the challenge reads no table
        BMA_BEHIND_TLS_PROXY="1" if behind_proxy else "0",
    )
    env.pop("GUNICORN_CMD_ARGS", None)
    env.pop("FORWARDED_ALLOW_IPS", None)
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", "python:bma.gunicorn_conf", "bma.wsgi:application"]
    server = subprocess.Popen(
        [*gunicorn, "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _attempt in range(300):  # until gunicorn listens (it has not died meanwhile)
            assert server.poll() is None, "gunicorn exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        offered = challenge(port)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Digest" in offered
    # Behind the shipped proxy (which sets the header itself) Django believes it; otherwise nobody does.
    assert ("Basic" in offered) is behind_proxy


@pytest.mark.parametrize("plain_http", [True, False])
def test_the_proxy_replaces_the_clients_forwarded_headers_with_its_own(tmp_path, plain_http):
    site = proxy_site(tmp_path, plain_http)
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "$http_x_forwarded" not in site and "$proxy_add_x_forwarded_for" not in site
