"""Test helpers shared by the whole suite."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip a test whose tool is missing on a laptop; under CI a missing tool is a failure, not a skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI requires this, but: {reason}")
    pytest.skip(reason)


def csp_refusals(console: list[str]) -> list[str]:
    """The browser console lines in which Chromium reports something refused by a Content-Security-Policy
    (it writes both "Content Security Policy" and "Content Security policy")."""
    return [line for line in console if "content security policy" in line.lower().replace("-", " ")]
