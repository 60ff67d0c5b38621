"""Test helpers shared by the whole suite."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright's own browsers are never installed
ARTIFACTS = Path(__file__).resolve().parents[1] / ".test-artifacts"  # screenshots and page texts kept by CI


def require(condition: bool, reason: str) -> None:
    """Skip a test whose tool is missing on a laptop; under CI a missing tool is a failure, not a skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI requires this, but: {reason}")
    pytest.skip(reason)


class DigestClient:
    """Signs requests the way ODK Collect's okhttp-digest does: it keeps the last challenge's nonce,
    sends it ahead with a rising nonce count, and signs again when told ``stale=true``."""

    def __init__(self, client, username: str, password: str):
        self.client, self.username, self.password = client, username, password
        self.challenge: dict[str, str] = {}
        self.nc = 0

    @staticmethod
    def parse(header: str) -> dict[str, str]:
        import re

        return {k: (q or b) for k, q, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]*))', header.split("Digest", 1)[1])}

    def header(self, method: str, uri: str, *, nc: int | None = None, password: str | None = None) -> str:
        import hashlib

        def md5(text: str) -> str:
            return hashlib.md5(text.encode()).hexdigest()

        realm, nonce = self.challenge["realm"], self.challenge["nonce"]
        if nc is None:
            self.nc += 1
            nc = self.nc
        count, cnonce = f"{nc:08x}", "0a4f113b7c5d9e21"
        ha1 = md5(f"{self.username}:{realm}:{password or self.password}")
        response = md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{md5(f'{method}:{uri}')}")
        return (
            f'Digest username="{self.username}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
            f'response="{response}", algorithm=MD5, qop=auth, nc={count}, cnonce="{cnonce}", '
            f'opaque="{self.challenge.get("opaque", "")}"'
        )

    def take_challenge(self, response) -> None:
        self.challenge, self.nc = self.parse(response["WWW-Authenticate"]), 0

    def request(self, method: str, uri: str, **extra):
        """One request as Collect makes it: ahead with the cached nonce, again after a 401 (once)."""
        send = getattr(self.client, method.lower())
        if self.challenge:
            response = send(uri, HTTP_AUTHORIZATION=self.header(method, uri), **extra)
            stale = response.status_code == 401 and "stale=true" in response.get("WWW-Authenticate", "")
            if response.status_code != 401 or not stale:
                return response  # okhttp-digest gives up after a second 401 that is not stale
        else:
            response = send(uri, **extra)
            if response.status_code != 401:
                return response
        self.take_challenge(response)
        return send(uri, HTTP_AUTHORIZATION=self.header(method, uri), **extra)


def csp_refusals(console: list[str]) -> list[str]:
    """The browser console lines in which Chromium reports something refused by a Content-Security-Policy
    (it writes both "Content Security Policy" and "Content Security policy")."""
    return [line for line in console if "content security policy" in line.lower().replace("-", " ")]


# Every persona's password in the tests (tests/factories.py).
TEST_PASSWORD = "pass-for-tests-1"


def desk_log_in(page, url: str, username: str) -> None:
    """Open ``url`` in Playwright's page, which asks the desk's login first, and log in as ``username``."""
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("input[type=submit]")


@contextmanager
def chromium():
    """Debian's chromium driven by Playwright, closed afterwards (a skip on a laptop without it)."""
    require(shutil.which(CHROMIUM) is not None, "Debian's chromium is needed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def console_of(page) -> list[str]:
    """The console lines ``page`` logs from now on (csp_refusals reads them)."""
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    return console


@contextmanager
def chromium_page(**options):
    """One page (Playwright's ``new_page`` options: viewport, locale...) and the console lines it logs."""
    with chromium() as browser:
        page = browser.new_page(**options)
        yield page, console_of(page)
