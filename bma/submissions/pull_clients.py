"""Reading submissions from another server, page by page: ODK Central (with pyodk, the official client)
and KoboToolbox's API v2. Pure transport: what is read is handed to intake by ``pulling``.

Both clients page in a stable order and name the next page by URL, so a pull that stops half-way
starts again at the page that failed. The next-page links a server returns carry its own idea of its
address (Central behind a proxy reports its internal one); only their path and query are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

import requests

from bma.submissions.services import IncomingFile

PAGE_SIZE = 100
TIMEOUT_SECONDS = 60


class PullError(Exception):
    """A page could not be read; ``transient`` ones (5xx, network) are retried, the others need a person."""

    def __init__(self, message: str, *, transient: bool):
        super().__init__(message)
        self.message = message
        self.transient = transient


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


def _refusal(response, server: str, what: str) -> PullError:
    status = response.status_code
    if status in (401, 403):
        return PullError(
            f"{server} refused this source's credentials (HTTP {status}) while reading {what}: check the user "
            "name and the password or token in the source's environment variable.",
            transient=False,
        )
    if status == 404:
        return PullError(
            f"{server} has no {what} (HTTP 404): check the project and form of this source.", transient=False
        )
    return PullError(
        f"{server} answered HTTP {status} while reading {what}; the pull will try again.",
        transient=status >= 500 or status == 429,
    )


class CentralClient:
    """A form's submissions on ODK Central: OData pages ($skiptoken) of ids, then each raw XML as sent."""

    def __init__(self, *, base_url: str, username: str, password: str, project_id: int, form_id: str):
        from pyodk._utils.session import Session

        # The token lives in memory only (no pyodk cache file on the server's disk).
        self.session = Session(base_url=base_url, api_version="v1", username=username, password=password)
        self.root = self.session.base_url  # ".../v1/"
        self.form_path = f"projects/{project_id}/forms/{quote(form_id, safe='')}"

    def _get(self, url: str, what: str):
        from pyodk.errors import PyODKError

        try:
            response = self.session.get(url, timeout=TIMEOUT_SECONDS)
        except PyODKError as exc:  # the login itself failed
            response = exc.args[1] if len(exc.args) > 1 else None
            if response is not None:
                raise _refusal(response, "ODK Central", "the login") from exc
            raise PullError(f"ODK Central could not be logged in to: {exc}", transient=True) from exc
        except requests.RequestException as exc:
            raise PullError(f"ODK Central could not be reached ({type(exc).__name__}).", transient=True) from exc
        if response.status_code != 200:
            raise _refusal(response, "ODK Central", what)
        return response

    def first_url(self, cursor: str) -> str:
        query = f"$top={PAGE_SIZE}&$select=__id,__system"
        if cursor:
            # Edits made in Central change updatedAt, not submissionDate: both bring a record back.
            condition = f"__system/submissionDate gt {cursor} or __system/updatedAt gt {cursor}"
            query += "&$filter=" + quote(condition, safe="/:")
        return f"{self.form_path}.svc/Submissions?{query}"

    def page(self, url: str) -> PulledPage:
        data = self._get(url, "the list of submissions").json()
        records, newest = [], ""
        for row in data.get("value", []):
            remote_id = row["__id"]
            system = row.get("__system") or {}
            newest = max(newest, system.get("submissionDate") or "", system.get("updatedAt") or "")
            base = f"{self.form_path}/submissions/{quote(remote_id, safe='')}"
            payload = self._get(f"{base}.xml", f"the submission {remote_id}").content
            files = []
            if system.get("attachmentsPresent"):
                for attachment in self._get(f"{base}/attachments", f"the attachments of {remote_id}").json():
                    if attachment.get("exists"):
                        name = attachment["name"]
                        got = self._get(f"{base}/attachments/{quote(name, safe='')}", f"the attachment {name}")
                        files.append(IncomingFile(name, got.headers.get("Content-Type", ""), got.content))
            records.append(PulledRecord(remote_id, payload, files))
        next_link = data.get("@odata.nextLink") or ""
        # The link is absolute, at the address Central believes it has; keep the part after /v1/.
        next_url = _path_and_query(next_link).split("/v1/", 1)[-1] if next_link else ""
        return PulledPage(records, next_url, newest)


class KoboClient:
    """An asset's records on KoboToolbox API v2, oldest first, by ``_submission_time``."""

    def __init__(self, *, base_url: str, token: str, asset_uid: str):
        self.base = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"
        self.asset_path = f"/api/v2/assets/{quote(asset_uid, safe='')}"

    def _get(self, url: str, what: str):
        try:
            response = self.session.get(self.base + url, timeout=TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            raise PullError(f"KoboToolbox could not be reached ({type(exc).__name__}).", transient=True) from exc
        if response.status_code != 200:
            raise _refusal(response, "KoboToolbox", what)
        return response

    def first_url(self, cursor: str) -> str:
        query = {"_submission_time": {"$gt": cursor}} if cursor else {}
        params = f"format=json&limit={PAGE_SIZE}&sort={quote(json.dumps({'_submission_time': 1}))}"
        if query:
            params += f"&query={quote(json.dumps(query))}"
        return f"{self.asset_path}/data/?{params}"

    def page(self, url: str) -> PulledPage:
        data = self._get(url, "the asset's records").json()
        records, newest = [], ""
        for record in data.get("results", []):
            newest = max(newest, record.get("_submission_time") or "")
            files = []
            for attachment in record.get("_attachments") or []:
                link = attachment.get("download_url") or ""
                if link:
                    name = (attachment.get("filename") or link).rsplit("/", 1)[-1]
                    got = self._get(_path_and_query(link), f"the attachment {name}")
                    files.append(IncomingFile(name, attachment.get("mimetype", ""), got.content))
            # Stored as Kobo's JSON, as its REST service would have posted it.
            payload = json.dumps(record, ensure_ascii=False).encode()
            records.append(PulledRecord(str(record.get("_uuid") or record.get("_id")), payload, files))
        next_link = data.get("next") or ""
        return PulledPage(records, _path_and_query(next_link) if next_link else "", newest)
