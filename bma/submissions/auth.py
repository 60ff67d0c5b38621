"""Authentication that ODK Collect completes: HTTP Digest (and Basic over HTTPS), or a device token.

Collect sends credentials only after a 401 carrying a WWW-Authenticate challenge it knows, and it
registers Basic only for https URLs, so plain-HTTP servers must offer Digest (RFC 2617, MD5, qop=auth).

A Digest credential (HA1 = MD5(user:realm:password)) is a password equivalent for this realm, so it is
kept only for accounts that collect: active enumerators that are neither staff nor superusers. It is
written when such an account's password is set or used, and dropped when the account stops qualifying.

Nonces are signed (any web process can check them), bound to the URI they were issued for, and live
BMA_DIGEST_NONCE_SECONDS; each use must carry a nonce count not used before with it, at most
DIGEST_NC_WINDOW from the highest (DigestNonceUse), so a captured header works neither on another URL
nor twice, while requests sent in parallel on one nonce may arrive in any order. A client that proved the password but holds
a nonce that is old, issued for another URI, or already used at that count gets ``stale=true``: Collect
(okhttp-digest) then signs again with the fresh nonce without asking the user, whereas a plain second
401 after it sent credentials makes it give up and ask for the password. Collect caches the nonce per
host and sends it ahead on the next request: HEAD then POST on /submission share the URI and so the
nonce; the form list, each form and each media file get their own via that stale round trip.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext

from bma.core.lockout import lockout_allowed, lockout_failure, lockout_forget
from bma.core.reference_cache import intake_cache, reference_data_changed
from bma.core.roles import GROUP_NAMES, Role
from bma.submissions.models import CollectToken, DigestCredential, DigestNonceUse

REALM = "BMA"
_DIGEST_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]*))')


def digest_ha1(username: str, password: str) -> str:
    return hashlib.md5(f"{username}:{REALM}:{password}".encode()).hexdigest()  # noqa: S324 - RFC 2617


def _collectors():
    """Accounts that may hold a Digest credential: active enumerators, never staff or superusers."""
    return get_user_model().objects.filter(
        is_active=True, is_staff=False, is_superuser=False, groups__name=GROUP_NAMES[Role.ENUMERATOR]
    )


def digest_credential_store(user, raw_password: str) -> None:
    """Keep HA1 for ``user`` if the account collects; otherwise make sure none is kept."""
    if user.pk is None:
        return
    if not _collectors().filter(pk=user.pk).exists():
        DigestCredential.objects.filter(user_id=user.pk).delete()
        return
    DigestCredential.objects.update_or_create(
        user=user, defaults={"ha1": digest_ha1(user.get_username(), raw_password)}
    )


def digest_credentials_prune(user_ids=None) -> int:
    """Drop the credentials of accounts that no longer collect (role removed, made staff, deactivated)."""
    stale = DigestCredential.objects.exclude(user__in=_collectors())
    if user_ids is not None:
        stale = stale.filter(user_id__in=list(user_ids))
    return stale.delete()[0]


def _request_uri(request) -> str:
    return unquote(request.get_full_path())


def _signed_uri(uri: str) -> str:
    """The request-target the client signed, as path plus query (some clients send an absolute URI)."""
    if uri.startswith(("http://", "https://")):
        parts = urlsplit(uri)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
    return unquote(uri)


def _nonce_signature(timestamp: str, salt: str, uri: str) -> str:
    message = f"digest-nonce:{timestamp}:{salt}:{uri}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def nonce_new(uri: str) -> str:
    timestamp, salt = str(int(time.time())), secrets.token_hex(6)
    return f"{timestamp}.{salt}.{_nonce_signature(timestamp, salt, uri)}"


def nonce_fresh(nonce: str, uri: str) -> bool:
    """Signed by us, for this URI, and younger than BMA_DIGEST_NONCE_SECONDS."""
    timestamp, salt, signature = (nonce.split(".") + ["", "", ""])[:3]
    if not timestamp.isdigit() or not hmac.compare_digest(signature, _nonce_signature(timestamp, salt, uri)):
        return False
    return 0 <= time.time() - int(timestamp) <= settings.BMA_DIGEST_NONCE_SECONDS


# How far apart the counts of one nonce may arrive: Collect (and any client) that sends requests in
# parallel on one cached nonce numbers them in order but they reach us in any order, so an unseen count
# up to this far below the highest is accepted, as nginx's digest module does with a window of
# counts; a count used once is refused (a replay), and one further off either way is stale.
DIGEST_NC_WINDOW = 32
_NC_ATTEMPTS = 2 * DIGEST_NC_WINDOW  # a lost race means another request advanced the row: bounded


def _nonce_counts_add(last: int | None, seen: int, count: int) -> tuple[int, int] | None:
    """The new (highest count, used bits) once ``count`` is used, or None if it may not be."""
    if count < 1:  # counts start at 1 (RFC 2617); 0 would slip under a window's lowest bit
        return None
    if last is None:  # the nonce's first use, whichever of the parallel requests came first
        return (count, 1) if 1 <= count <= DIGEST_NC_WINDOW else None
    if count > last:
        if count - last > DIGEST_NC_WINDOW:
            return None
        return count, ((seen << (count - last)) | 1) & ((1 << DIGEST_NC_WINDOW) - 1)
    offset = last - count
    if offset >= DIGEST_NC_WINDOW or seen & (1 << offset):
        return None
    return last, seen | (1 << offset)


def _nonce_count_use(nonce: str, count: int) -> bool:
    """Record ``count`` as used with ``nonce``; False if it was used already or is outside the window.

    A compare-and-set on (last_nc, seen_nc): two requests reading the same row cannot both write,
    the loser reads again, so the check holds on SQLite and PostgreSQL alike without a lock.
    """
    for _attempt in range(_NC_ATTEMPTS):
        row = DigestNonceUse.objects.filter(nonce=nonce).values_list("last_nc", "seen_nc").first()
        if row is None:
            added = _nonce_counts_add(None, 0, count)
            if added is None:
                return False
            expires_at = dt.datetime.fromtimestamp(int(nonce.split(".")[0]), tz=dt.UTC) + dt.timedelta(
                seconds=settings.BMA_DIGEST_NONCE_SECONDS
            )
            try:
                with transaction.atomic():
                    DigestNonceUse.objects.create(
                        nonce=nonce, last_nc=added[0], seen_nc=added[1], expires_at=expires_at
                    )
            except IntegrityError:
                continue  # a parallel request on this nonce inserted first: add to its row
            DigestNonceUse.objects.filter(expires_at__lt=timezone.now()).delete()
            return True
        added = _nonce_counts_add(row[0], row[1], count)
        if added is None:
            return False
        if DigestNonceUse.objects.filter(nonce=nonce, last_nc=row[0], seen_nc=row[1]).update(
            last_nc=added[0], seen_nc=added[1]
        ):
            return True
    return False


def challenge_headers(request, *, stale: bool = False) -> list[str]:
    opaque = hashlib.sha256(settings.SECRET_KEY.encode() + b"opaque").hexdigest()[:32]
    digest = (
        f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{nonce_new(_request_uri(request))}", '
        f'opaque="{opaque}", domain="/"' + (", stale=true" if stale else "")
    )
    headers = [digest]
    if request.is_secure():  # never invite Basic over plain HTTP (OpenRosa forbids it)
        headers.append(f'Basic realm="{REALM}"')
    return headers


class AuthOutcome:
    def __init__(self, user=None, stale=False, by_session=False, locked=False, uncredentialed=None):
        self.user = user
        self.stale = stale
        self.by_session = by_session
        self.locked = locked
        # An active account that sent Digest but has no Digest credential (the view logs why).
        self.uncredentialed = uncredentialed


@contextlib.contextmanager
def _body_unread(request):
    """Keep the upload unparsed while credentials are checked.

    Axes records the POST data of a failed attempt; for a submission that would parse a multipart body
    of up to BMA_SUBMISSION_MAX_BYTES from someone who has not logged in (and fail on a broken one).
    Django parses lazily into ``_post``/``_files``, so empty ones stand in until the check is over.
    """
    if request.method != "POST" or hasattr(request, "_post"):
        yield
        return
    request._post, request._files = QueryDict(), MultiValueDict()
    try:
        yield
    finally:
        del request._post, request._files


def _digest_user(request, params: dict[str, str]) -> AuthOutcome:
    username, nonce, response = params.get("username", ""), params.get("nonce", ""), params.get("response", "")
    qop = params.get("qop", "")
    uri = params.get("uri", "")
    if not username or not nonce or not response or qop not in ("", "auth"):
        return AuthOutcome()
    if params.get("algorithm", "MD5").upper() != "MD5":
        return AuthOutcome()
    # The client signs the URI it requested; a header signed for another URL is not for this request.
    if _signed_uri(uri) != _request_uri(request):
        return AuthOutcome()
    if not lockout_allowed(request, username):
        return AuthOutcome(locked=True)
    user = (
        get_user_model().objects.filter(username=username, is_active=True).select_related("digest_credential").first()
    )
    credential = getattr(user, "digest_credential", None) if user else None
    ha2 = hashlib.md5(f"{request.method}:{uri}".encode()).hexdigest()  # noqa: S324
    if qop:
        expected_input = (
            f"{credential.ha1 if credential else ''}:{nonce}:{params.get('nc')}:{params.get('cnonce')}:{qop}:{ha2}"
        )
    else:
        expected_input = f"{credential.ha1 if credential else ''}:{nonce}:{ha2}"
    expected = hashlib.md5(expected_input.encode()).hexdigest()  # noqa: S324
    if credential is None or not hmac.compare_digest(expected, response):
        return AuthOutcome(
            locked=lockout_failure(request, username), uncredentialed=user if credential is None else None
        )
    # The password is proven; whatever is wrong with the nonce now, the client only needs a fresh one.
    if not nonce_fresh(nonce, _request_uri(request)):
        return AuthOutcome(stale=True)
    try:
        # Without qop there is no count (RFC 2069): such a nonce is good for one request.
        count = int(params.get("nc", ""), 16) if qop else 1
    except ValueError:
        return AuthOutcome()
    if not _nonce_count_use(nonce, count):
        return AuthOutcome(stale=True)
    lockout_forget(request, user)
    return AuthOutcome(user=user)


def _basic_user(request, rest: str) -> AuthOutcome:
    try:
        username, _, password = base64.b64decode(rest).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return AuthOutcome()
    # authenticate() runs the Axes backend: refused while locked, and a wrong password is counted.
    user = authenticate(request, username=username, password=password)
    if user is not None:
        lockout_forget(request, user)
    return AuthOutcome(user=user, locked=user is None and bool(getattr(request, "axes_locked_out", False)))


def openrosa_authenticate(request, token: str | None = None) -> AuthOutcome:
    """Who is calling: a device token in the path, an Authorization header, or an admin session."""
    if token is not None:
        return AuthOutcome(user=intake_cache.get_or_load(("token", token), lambda: _token_user(token)))
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, rest = header.partition(" ")
    if scheme.lower() == "digest":
        with _body_unread(request):
            return _digest_user(request, {k: (q or b) for k, q, b in _DIGEST_PARAM.findall(rest)})
    if scheme.lower() == "basic" and request.is_secure():
        with _body_unread(request):
            return _basic_user(request, rest)
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
    reference_data_changed()  # the intake caches token -> user in every process


def collect_token_for_setup(user) -> CollectToken:
    """The device token an enumerator's set-up sheet shows: their newest active one, or a new one.

    Reused, so printing the sheet again gives the same code and does not cut off a tablet already set
    up with it; revoking it (one click on the sheet) is how a lost tablet is cut off.
    """
    found = CollectToken.objects.filter(user=user, revoked_at__isnull=True).order_by("-created_at", "-pk").first()
    return found or collect_token_issue(user, label=gettext("Set-up sheet"))


def collect_tokens_revoke(tokens) -> int:
    """Revoke each of ``tokens`` (a queryset or list); returns how many were still active."""
    ids = [token.pk for token in tokens]
    count = CollectToken.objects.filter(pk__in=ids, revoked_at__isnull=True).update(revoked_at=timezone.now())
    reference_data_changed()  # the intake caches token -> user in every process; a revoked device is refused at once
    return count
