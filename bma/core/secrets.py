"""Secrets read by settings: from the environment or from a file (Docker secrets), never guessable.

Pure code (no Django import beyond the exception) so the rules are tested directly: ``NAME_FILE`` wins
over ``NAME`` (a Docker secret is mounted at /run/secrets/<name> and named in NAME_FILE), the file's
trailing newline is dropped, and a placeholder (empty, the values in .env.example, the compose file's
old built-in database password) stops a production start with a message saying which variable to set.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

# Lower-cased. The .env.example values all start with "change-me"; "bma" was the database password
# written in docker-compose.yml before secrets moved out of it.
PLACEHOLDERS = frozenset({"", "change-me", "changeme", "change_me", "password", "bma", "redis", "postgres"})
PLACEHOLDER_PREFIXES = ("change-me", "changeme", "replace-me", "your-")


def secret_read(environ: Mapping[str, str], name: str, *aliases: str) -> str | None:
    """The value of ``name`` from ``NAME_FILE`` (a file's content) or ``NAME``; None when neither is set.

    ``aliases`` are further variable names read the same way, in order (POSTGRES_PASSWORD for
    DATABASE_PASSWORD, so one .env line serves both the postgres service and the app)."""
    for key in (name, *aliases):
        path = environ.get(f"{key}_FILE")
        if path:
            try:
                return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
            except OSError as exc:
                raise ImproperlyConfigured(f"{key}_FILE names {path}, which cannot be read: {exc.strerror}.") from exc
        if key in environ:
            return environ[key]
    return None


def secret_is_placeholder(value: str | None) -> bool:
    if value is None:
        return True
    lowered = value.strip().lower()
    return lowered in PLACEHOLDERS or lowered.startswith(PLACEHOLDER_PREFIXES)


def secret_refuse_placeholder(name: str, value: str | None, *, debug: bool) -> None:
    """Stop a production start on an unset or placeholder secret; in DEBUG (a demo) anything goes."""
    if debug or not secret_is_placeholder(value):
        return
    what = "is not set" if not value else "is a placeholder (an example value)"
    raise ImproperlyConfigured(
        f"{name} {what}. Set {name} (or {name}_FILE, a file holding it) to a long random string, for example "
        "the output of: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'. "
        "Or set DEBUG=1 for a local demo."
    )


def url_with_password(url: str, password: str | None) -> str:
    """``url`` with its password replaced by ``password`` (percent-encoded, so any character is safe).

    Compose writes the URLs without a password (redis://redis:6379/0) and the password comes from its own
    variable or file; a URL that already carries one keeps it when no password is given."""
    if not password:
        return url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = f"{quote(parts.username or '', safe='')}:{quote(password, safe='')}@{host}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
