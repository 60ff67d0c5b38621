"""Reading submissions from another server, page by page: ODK Central (with pyodk, the official client)
and KoboToolbox's API v2. Pure transport: what is read is handed to intake by ``pulling``.

Kobo pages oldest first and names the next page by URL, so a pull that stops half-way starts again at
the page that failed; Central's feed is read whole (ids only) and turned round, see CentralClient.window.
The next-page links a server returns carry its own idea of its address (Central behind a proxy reports
its internal one); only their path and query are kept.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from bma.submissions.header import _with_uuid_prefix
from bma.submissions.services import IncomingFile

PAGE_SIZE = 100
TIMEOUT_SECONDS = 60
UNREACHABLE = N_("%(server)s could not be reached (%(reason)s).")


class PullError(Exception):
    """A page could not be read; ``transient`` ones (5xx, network) are retried, the others need a person.

    The message is kept as its English template and parameters (``detail``, stored on the source) and put
    into words when shown, in the reader's language (``pull_error_words``); a ``what`` parameter is itself
    a marked phrase. ``message`` is those words in the language active now."""

    def __init__(self, template: str, *, transient: bool, **params):
        self.detail = {"template": template, "params": params}
        self.transient = transient
        with translation.override(settings.LANGUAGE_CODE):
            super().__init__(pull_error_words(self.detail))  # logs and tracebacks in the server's language

    @property
    def message(self) -> str:
        return pull_error_words(self.detail)


def pull_error_words(detail: dict) -> str:
    """A stored PullError detail in the active language (gettext of an unmarked value is the value)."""
    params = dict(detail.get("params") or {})
    if "what" in params:
        params["what"] = gettext(params["what"]) % params
    return gettext(detail["template"]) % params


@dataclass(frozen=True)
class PulledRecord:
    remote_id: str  # Central's __id (the chain's first instanceID) or Kobo's _uuid
    payload: bytes
    files: list[IncomingFile] = field(default_factory=list)


@dataclass
class PulledPage:
    records: list[PulledRecord]
    next_url: str  # "" on the last page
    newest: str  # the newest submission or edit time on the page ("" when empty)


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _refusal(response, server: str, what: str, **params) -> PullError:
    """``what`` is a phrase marked with gettext_noop, its placeholders filled from ``params``."""
    status = response.status_code
    if status in (401, 403):
        return PullError(
            N_(
                "%(server)s refused this source's credentials (HTTP %(status)s) while reading %(what)s: check "
                "the user name and the password or token in the source's environment variable."
            ),
            transient=False,
            server=server,
            status=status,
            what=what,
            **params,
        )
    if status == 404:
        return PullError(
            N_("%(server)s could not find %(what)s (HTTP 404): check the project and form of this source."),
            transient=False,
            server=server,
            what=what,
            **params,
        )
    return PullError(
        N_("%(server)s answered HTTP %(status)s while reading %(what)s; the pull will try again."),
        transient=status >= 500 or status == 429,
        server=server,
        status=status,
        what=what,
        **params,
    )


@dataclass(frozen=True)
class FeedRow:
    """One row of Central's OData feed ($select=__id,__system)."""

    remote_id: str  # __id: the chain's first instanceID
    submitted: str  # __system/submissionDate: the first version's arrival (an edit keeps it)
    updated: str  # __system/updatedAt: the last edit or review ("" until something changes)
    attachments_present: int
    attachments_expected: int
    review_state: str = ""  # __system/reviewState: hasIssues, rejected, approved, edited ("" = received)
    deleted_at: str = ""  # __system/deletedAt: only in the deletions feed

    @property
    def newest(self) -> str:
        return max(self.submitted, self.updated)


def _feed_row(row: dict) -> FeedRow:
    system = row.get("__system") or {}
    return FeedRow(
        remote_id=row["__id"],
        submitted=system.get("submissionDate") or "",
        updated=system.get("updatedAt") or "",
        attachments_present=system.get("attachmentsPresent") or 0,
        attachments_expected=system.get("attachmentsExpected") or 0,
        review_state=system.get("reviewState") or "",
        deleted_at=system.get("deletedAt") or "",
    )


class CentralClient:
    """A form's submissions on ODK Central: the OData feed ($skiptoken pages of __id and __system), then
    each submission's current XML as sent, its attachments and, when asked, its versions.

    A web user (``username`` set) logs in with pyodk, which keeps the session token in memory only (no
    pyodk cache file on the server's disk); Central's session cookies are refused, so nothing of one sync
    is kept for the next, and ``close`` logs the session out. An app user (no ``username``) has no
    session: its token is part of every path (/v1/key/<token>/...). Central's app-user role grants
    open_form.read and submission.create only, so a real Central refuses it every read (403) and
    the pull says to use a web user; a Project Viewer reads the feed, the deletions and the versions."""

    def __init__(self, *, base_url: str, username: str, password: str, project_id: int, form_id: str):
        from http.cookiejar import DefaultCookiePolicy

        from pyodk._utils.session import Session

        if username:
            self.session = Session(base_url=base_url, api_version="v1", username=username, password=password)
            self.root = self.session.base_url  # ".../v1/"
        else:
            self.session = requests.Session()
            self.root = f"{base_url.rstrip('/')}/v1/key/{quote(password, safe='')}/"
        # Central sets session and __csrf cookies at login; the bearer token is what authenticates.
        self.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.web_user = bool(username)
        self.form_path = f"projects/{project_id}/forms/{quote(form_id, safe='')}"

    def _get(self, path: str, what: str, **params):
        from pyodk.errors import PyODKError

        try:
            response = self.session.get(self.root + path, timeout=TIMEOUT_SECONDS)
        except PyODKError as exc:  # the login itself failed
            response = exc.args[1] if len(exc.args) > 1 else None
            if response is not None:
                raise _refusal(response, "ODK Central", N_("the login")) from exc
            raise PullError(
                N_("ODK Central could not be logged in to: %(reason)s"), transient=True, reason=str(exc)
            ) from exc
        except requests.RequestException as exc:
            raise PullError(UNREACHABLE, transient=True, server="ODK Central", reason=type(exc).__name__) from exc
        if response.status_code == 403 and not self.web_user:
            # Central's app-user role may send submissions (submission.create) but not read them.
            raise PullError(
                N_(
                    "ODK Central lets an app user send submissions but not read them (HTTP 403): set this source "
                    "to a web user with at least the Project Viewer role on the project, and its password."
                ),
                transient=False,
            )
        if response.status_code != 200:
            raise _refusal(response, "ODK Central", what, **params)
        return response

    def close(self) -> None:
        """Log the web user's session out: each sync opens one, and Central keeps it for 24 hours."""
        authorization = self.session.headers.get("Authorization", "") if self.web_user else ""
        if authorization.startswith("Bearer "):
            with suppress(requests.RequestException):  # it expires by itself
                self.session.delete(f"{self.root}sessions/{quote(authorization[7:], safe='')}", timeout=TIMEOUT_SECONDS)
        self.session.close()

    def first_url(self, cursor: str) -> str:
        query = f"$top={PAGE_SIZE}&$select=__id,__system"
        if cursor:
            # Edits made in Central change updatedAt, not submissionDate: both bring a record back.
            condition = f"__system/submissionDate gt {cursor} or __system/updatedAt gt {cursor}"
            query += "&$filter=" + quote(condition, safe="/:")
        return f"{self.form_path}.svc/Submissions?{query}"

    def entity(self, remote_id: str) -> FeedRow:
        """One submission's feed row, read again (Submissions('<__id>'))."""
        path = f"{self.form_path}.svc/Submissions('{quote(remote_id, safe=':')}')?$select=__id,__system"
        (row,) = self._get(path, N_("the submission %(item)s"), item=remote_id).json()["value"]
        return _feed_row(row)

    def deleted(self, cursor: str) -> list[FeedRow]:
        """The submissions deleted in Central after the cursor (every deleted one without it). A deletion
        leaves the default feed and does not move updatedAt, so only this filter finds it."""
        condition = f"__system/deletedAt gt {cursor}" if cursor else "__system/deletedAt ne null"
        return self._rows(
            f"{self.form_path}.svc/Submissions?$top={PAGE_SIZE}&$select=__id,__system&$filter="
            + quote(condition, safe="/:")
        )

    def _rows(self, url: str) -> list[FeedRow]:
        rows: list[FeedRow] = []
        while url:
            data = self._get(url, N_("the form's list of submissions")).json()
            rows.extend(_feed_row(row) for row in data.get("value", []))
            next_link = data.get("@odata.nextLink") or ""
            # The link is absolute, at the address Central believes it has; keep the part after /v1/
            # (and after an app user's /key/<token>/, which root adds again).
            tail = _path_and_query(next_link).split("/v1/", 1)[-1] if next_link else ""
            url = tail.split("/", 2)[-1] if tail.startswith("key/") else tail
        return rows

    def window(self, cursor: str) -> list[FeedRow]:
        """Every row newer than the cursor, oldest first.

        Central's feed is newest first (createdAt DESC, id DESC) and cannot be ordered otherwise while
        paged ($orderby with $skiptoken answers 501): the whole window is read (ids only, cheap), then
        turned round, so records are stored in the order they were sent, as a push stores them."""
        rows = self._rows(self.first_url(cursor))
        # Reversed, then a stable sort: ties in submissionDate keep Central's own (id) order.
        return sorted(reversed(rows), key=lambda r: r.submitted)

    def record(self, row: FeedRow) -> PulledRecord:
        """The submission's current version as sent, with the attachments Central holds for it."""
        remote_id = row.remote_id
        base = f"{self.form_path}/submissions/{quote(remote_id, safe='')}"
        payload = self._get(f"{base}.xml", N_("the submission %(item)s"), item=remote_id).content
        files = []
        listing = (
            self._get(f"{base}/attachments", N_("the attachments of %(item)s"), item=remote_id).json()
            if row.attachments_present
            else []
        )
        for attachment in listing:
            if attachment.get("exists"):
                name = attachment["name"]
                got = self._get(f"{base}/attachments/{quote(name, safe='')}", N_("the attachment %(item)s"), item=name)
                files.append(IncomingFile(name, got.headers.get("Content-Type", ""), got.content))
        return PulledRecord(remote_id, payload, files)

    def versions(self, remote_id: str) -> list[tuple[str, bytes]]:
        """Every version of a submission edited in Central, oldest first: (instanceID, XML as sent)."""
        base = f"{self.form_path}/submissions/{quote(remote_id, safe='')}/versions"
        listing = self._get(base, N_("the versions of %(item)s"), item=remote_id).json()  # newest first
        return [
            (v["instanceId"], self._get(f"{base}/{quote(v['instanceId'], safe='')}.xml", N_("a version")).content)
            for v in reversed(listing)
        ]


# Kobo's data API answers at most settings.MAX_API_PAGE_SIZE (30,000 by default) a page; the listing
# of every record's ids is small, so it is read in large pages.
KOBO_LISTING_PAGE_SIZE = 1000
# What the listing asks of each record: enough to see an edit (_uuid changes, _id stays), Kobo's
# validation status, the files it holds, and which asset's form a stored record came from.
KOBO_LISTING_FIELDS = ("_id", "_uuid", "meta/rootUuid", "formhub/uuid", "_validation_status", "_attachments")


@dataclass(frozen=True)
class KoboRow:
    """One record in the listing of a Kobo asset (the `fields` named above, plus the file questions)."""

    record_id: int  # _id: Kobo's Instance, the same through every edit
    instance_id: str  # the current version's instanceID (uuid:<_uuid>)
    root: str  # meta/rootUuid: the chain (an unedited record's own instanceID)
    formhub_uuid: str | None  # the deployed form's uuid, on every record of the asset
    validation: dict  # _validation_status: {} or {timestamp, uid, by_whom, label}
    files_present: frozenset[str]  # the basenames of the files Kobo holds (is_deleted left out)
    answers: dict  # the listing's other fields: the file questions' answers


def _attachment_name(attachment: dict) -> str:
    # media_file_basename is the name the device gave; filename may carry the storage's suffix.
    link = attachment.get("download_url") or ""
    return attachment.get("media_file_basename") or (attachment.get("filename") or link).rsplit("/", 1)[-1]


class KoboClient:
    """An asset's records on KoboToolbox API v2: new ones oldest first by ``_submission_time``, the
    listing of every record (``listing``) and chosen records by ``_id`` (``records``)."""

    def __init__(self, *, base_url: str, token: str, asset_uid: str):
        self.base = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.asset_path = f"/api/v2/assets/{quote(asset_uid, safe='')}"

    def _get(self, url: str, what: str, **params):
        try:
            response = self.session.get(self.base + url, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise PullError(UNREACHABLE, transient=True, server="KoboToolbox", reason=type(exc).__name__) from exc
        if response.status_code != 200:
            raise _refusal(response, "KoboToolbox", what, **params)
        return response

    def _url(self, *, query: dict | None, sort: dict, limit: int, fields=None) -> str:
        params = f"format=json&limit={limit}&sort={quote(json.dumps(sort))}"
        if query:
            params += f"&query={quote(json.dumps(query))}"
        if fields:
            params += f"&fields={quote(json.dumps(list(fields)))}"
        return f"{self.asset_path}/data/?{params}"

    def first_url(self, cursor: str) -> str:
        query = {"_submission_time": {"$gt": cursor}} if cursor else None
        return self._url(query=query, sort={"_submission_time": 1}, limit=PAGE_SIZE)

    def page(self, url: str) -> PulledPage:
        data = self._get(url, N_("the asset's records")).json()
        records, newest = [], ""
        for record in data.get("results", []):
            newest = max(newest, record.get("_submission_time") or "")
            records.append(self._record(record))
        next_link = data.get("next") or ""
        return PulledPage(records, _path_and_query(next_link) if next_link else "", newest)

    def _record(self, record: dict) -> PulledRecord:
        files = []
        for attachment in record.get("_attachments") or []:
            link = attachment.get("download_url") or ""
            if link and not attachment.get("is_deleted"):
                name = _attachment_name(attachment)
                got = self._get(_path_and_query(link), N_("the attachment %(item)s"), item=name)
                files.append(IncomingFile(name, attachment.get("mimetype", ""), got.content))
        # Stored as Kobo's JSON, as its REST service would have posted it.
        payload = json.dumps(record, ensure_ascii=False).encode()
        return PulledRecord(str(record.get("_uuid") or record.get("_id")), payload, files)

    def listing(self, file_fields: list[str] = ()) -> list[KoboRow]:
        """Every record of the asset, by _id, with only the fields a sync compares. Kobo keeps a record's
        _submission_time through an edit and has no time of change, and a deletion removes the record:
        only reading the whole list shows edits, validation changes, new files and deletions."""
        fields = [*KOBO_LISTING_FIELDS, *file_fields]
        url = self._url(query=None, sort={"_id": 1}, limit=KOBO_LISTING_PAGE_SIZE, fields=fields)
        rows = []
        while url:
            data = self._get(url, N_("the asset's list of records")).json()
            for r in data.get("results", []):
                instance_id = _with_uuid_prefix(str(r.get("_uuid") or ""))
                present = frozenset(_attachment_name(a) for a in r.get("_attachments") or [] if not a.get("is_deleted"))
                rows.append(
                    KoboRow(
                        record_id=r["_id"],
                        instance_id=instance_id,
                        root=_with_uuid_prefix(str(r.get("meta/rootUuid") or "")) or instance_id,
                        formhub_uuid=r.get("formhub/uuid"),
                        validation=r.get("_validation_status") or {},
                        files_present=present,
                        answers={k: r[k] for k in file_fields if k in r},
                    )
                )
            next_link = data.get("next") or ""
            url = _path_and_query(next_link) if next_link else ""
        return rows

    def records(self, record_ids: list[int]) -> list[PulledRecord]:
        """The current version of chosen records (by _id), with their files, in _id order."""
        found = []
        for start in range(0, len(record_ids), PAGE_SIZE):
            chunk = record_ids[start : start + PAGE_SIZE]
            url = self._url(query={"_id": {"$in": chunk}}, sort={"_id": 1}, limit=PAGE_SIZE)
            found.extend(self.page(url).records)
        return found
