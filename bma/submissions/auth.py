"""Authentication that ODK Collect completes: HTTP Digest (and Basic over HTTPS), or a device token.

Collect sends credentials only after a 401 carrying a WWW-Authenticate challenge it knows, and it
registers Basic only for https URLs, so plain-HTTP servers must offer Digest (RFC 2617, MD5, qop=auth).
Nonces are stateless: a timestamp signed with the secret key, stale after NONCE_MAX_AGE seconds, so
any web process can check them. A replayed nonce within that window is not detected (no server state);
the request still needs the password-derived response, and HTTPS is expected in production.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.utils import timezone

from bma.core.reference_cache import intake_cache
from bma.submissions.models import CollectToken, DigestCredential

REALM = "BMA"
NONCE_MAX_AGE = 300
_DIGEST_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


def digest_ha1(username: str, password: str) -> str:
    return hashlib.md5(f"{username}:{REALM}:{password}".encode()).hexdigest()  # noqa: S324 - RFC 2617


def digest_credential_store(user, raw_password: str) -> None:
    DigestCredential.objects.update_or_create(
        user=user, defaults={"ha1": digest_ha1(user.get_username(), raw_password)}
    )


def _nonce_signature(timestamp: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), timestamp.encode(), hashlib.sha256).hexdigest()[:32]


def nonce_new() -> str:
    timestamp = str(int(time.time()))
    return f"{timestamp}.{_nonce_signature(timestamp)}"


def nonce_state(nonce: str) -> str:
    """'ok', 'stale' (signed by us but old: the client retries without asking the user) or 'bad'."""
    timestamp, _, signature = nonce.partition(".")
    if not timestamp.isdigit() or not hmac.compare_digest(signature, _nonce_signature(timestamp)):
        return "bad"
    return "ok" if time.time() - int(timestamp) <= NONCE_MAX_AGE else "stale"


def challenge_headers(request, *, stale: bool = False) -> list[str]:
    opaque = hashlib.sha256(settings.SECRET_KEY.encode() + b"opaque").hexdigest()[:32]
    digest = (
        f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{nonce_new()}", opaque="{opaque}", '
        f'domain="/"' + (", stale=TRUE" if stale else "")
    )
    headers = [digest]
    if request.is_secure():  # never invite Basic over plain HTTP (OpenRosa forbids it)
        headers.append(f'Basic realm="{REALM}"')
    return headers


class AuthOutcome:
    def __init__(self, user=None, stale=False, by_session=False):
        self.user = user
        self.stale = stale
        self.by_session = by_session


def _digest_user(request, params: dict[str, str]) -> AuthOutcome:
    username = params.get("username", "")
    state = nonce_state(params.get("nonce", ""))
    if state == "bad":
        return AuthOutcome()
    user = (
        get_user_model().objects.filter(username=username, is_active=True).select_related("digest_credential").first()
    )
    credential = getattr(user, "digest_credential", None) if user else None
    if credential is None:
        return AuthOutcome()
    # The URI the client signed is what it requested (path plus query, e.g. ?deviceID=...).
    ha2 = hashlib.md5(f"{request.method}:{params.get('uri', '')}".encode()).hexdigest()  # noqa: S324
    if params.get("qop"):
        expected_input = f"{credential.ha1}:{params.get('nonce')}:{params.get('nc')}:{params.get('cnonce')}:{params.get('qop')}:{ha2}"
    else:
        expected_input = f"{credential.ha1}:{params.get('nonce')}:{ha2}"
    expected = hashlib.md5(expected_input.encode()).hexdigest()  # noqa: S324
    if not hmac.compare_digest(expected, params.get("response", "")):
        return AuthOutcome()
    if state == "stale":
        return AuthOutcome(stale=True)
    return AuthOutcome(user=user)


def openrosa_authenticate(request, token: str | None = None) -> AuthOutcome:
    """Who is calling: a device token in the path, an Authorization header, or an admin session."""
    if token is not None:
        return AuthOutcome(user=intake_cache.get_or_load(("token", token), lambda: _token_user(token)))
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "digest":
        return _digest_user(request, {k: (q or b) for k, q, b in _DIGEST_PARAM.findall(rest)})
    if scheme.lower() == "basic" and request.is_secure():
        try:
            username, _, password = base64.b64decode(rest).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return AuthOutcome()
        return AuthOutcome(user=authenticate(request, username=username, password=password))
    if request.user.is_authenticated:  # ODK Web Forms in the same browser session as the admin
        return AuthOutcome(user=request.user, by_session=True)
    return AuthOutcome()


def _token_user(token: str):
    found = CollectToken.objects.select_related("user").filter(token=token, revoked_at__isnull=True).first()
    return found.user if found and found.user.is_active else None


def collect_token_issue(user, label: str = "") -> CollectToken:
    return CollectToken.objects.create(user=user, label=label)


def collect_token_revoke(token: CollectToken) -> None:
    CollectToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    intake_cache.clear()
