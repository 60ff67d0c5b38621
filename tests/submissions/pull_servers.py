"""Local HTTP servers that answer as ODK Central and KoboToolbox do, in the shapes recorded from a real
Central (/work/shared/fixtures/odk-central-api, copied into tests/submissions/fixtures/central) and
documented for Kobo's API v2 (tests/submissions/fixtures/kobo_api). They hold a list of submissions the
test adds to or edits, and can be told to fail the next request with a 5xx."""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"
CENTRAL = FIXTURES / "central"
# The address the recorded Central believed it had: its next-page links name it, not ours.
CENTRAL_OWN_ADDRESS = "http://127.0.0.1:8383"


@dataclass
class Stored:
    remote_id: str
    payload: bytes
    submitted: str  # ISO time, as the server writes it
    updated: str | None = None
    attachments: dict[str, bytes] = field(default_factory=dict)


class FakeServer:
    def __init__(self):
        self.records: list[Stored] = []
        self.fail_next: list[int] = []  # statuses to answer the next requests with
        self.requests: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=b"", content_type="application/json"):
                if isinstance(body, dict | list):
                    body = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                fake.requests.append(self.path)
                if fake.fail_next:
                    return self._send(fake.fail_next.pop(0), {"message": "Internal Server Error"})
                fake.get(self)

            def do_POST(self):
                fake.requests.append(self.path)
                length = int(self.headers.get("Content-Length", 0))
                fake.post(self, json.loads(self.rfile.read(length) or b"{}"))

        return Handler


class CentralServer(FakeServer):
    """ODK Central: POST /v1/sessions, the form's OData Submissions (newest first, $skiptoken pages,
    $filter on submissionDate/updatedAt), each submission's raw XML and its attachments."""

    def __init__(self, *, email="sync@example.org", password="s3cret", project=1, form="bma_b2"):
        super().__init__()
        self.email, self.password, self.token = email, password, "central-session-token"
        self.prefix = f"/v1/projects/{project}/forms/{form}"
        self.row_template = json.loads((CENTRAL / "odata_submissions_top3.json").read_text())["value"][0]

    def add(self, payload: bytes, submitted: str, remote_id: str | None = None, **attachments) -> Stored:
        remote_id = remote_id or re.search(rb"<instanceID>([^<]+)</instanceID>", payload).group(1).decode()
        stored = Stored(remote_id, payload, submitted, attachments=attachments)
        self.records.append(stored)
        return stored

    def edit(self, remote_id: str, payload: bytes, updated: str) -> None:
        """An edit made in Central: same __id, the new version's XML, updatedAt set."""
        stored = next(r for r in self.records if r.remote_id == remote_id)
        stored.payload, stored.updated = payload, updated

    def post(self, handler, body):
        if handler.path != "/v1/sessions":
            return handler._send(404, {"message": "Not found"})
        if (body.get("email"), body.get("password")) != (self.email, self.password):
            return handler._send(
                401, {"code": 401.2, "message": "Could not authenticate with the provided credentials."}
            )
        handler._send(200, {"token": self.token, "expiresAt": "2099-01-01T00:00:00.000Z"})

    def get(self, handler):
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return handler._send(
                401, {"code": 401.2, "message": "Could not authenticate with the provided credentials."}
            )
        parts = urlsplit(handler.path)
        path, query = unquote(parts.path), parse_qs(parts.query)
        if path == f"{self.prefix}.svc/Submissions":
            return handler._send(200, self._odata_page(query))
        match = re.fullmatch(rf"{re.escape(self.prefix)}/submissions/([^/]+?)(\.xml|/attachments(?:/(.+))?)", path)
        if not match:
            return handler._send(404, {"message": "Not found"})
        stored = next((r for r in self.records if r.remote_id == match.group(1)), None)
        if stored is None:
            return handler._send(404, {"message": "Not found"})
        if match.group(2) == ".xml":
            return handler._send(200, stored.payload, "text/xml")
        if match.group(3):
            return handler._send(200, stored.attachments[match.group(3)], "image/jpeg")
        handler._send(200, [{"name": name, "exists": True} for name in stored.attachments])

    def _odata_page(self, query) -> dict:
        top = int(query.get("$top", ["250"])[0])
        rows = sorted(self.records, key=lambda r: r.submitted, reverse=True)  # Central: newest first
        condition = query.get("$filter", [""])[0]
        since = re.findall(r"gt (\S+)", condition)
        if since:
            rows = [r for r in rows if r.submitted > since[0] or (r.updated or "") > since[0]]
        if "$skiptoken" in query:
            after = json.loads(base64.b64decode(query["$skiptoken"][0][2:]))["instanceId"]
            rows = rows[[r.remote_id for r in rows].index(after) + 1 :]
        page, rest = rows[:top], rows[top:]
        value = []
        for r in page:
            row = copy.deepcopy(self.row_template)
            row["__id"] = r.remote_id
            row["__system"].update(
                submissionDate=r.submitted,
                updatedAt=r.updated,
                attachmentsPresent=len(r.attachments),
                attachmentsExpected=len(r.attachments),
                edits=1 if r.updated else 0,
            )
            value.append(row)
        body = {"@odata.context": f"{CENTRAL_OWN_ADDRESS}{self.prefix}.svc/$metadata#Submissions", "value": value}
        if rest:
            token = "01" + base64.b64encode(json.dumps({"instanceId": page[-1].remote_id}).encode()).decode()
            kept = "&".join(f"{quote(k)}={quote(v[0])}" for k, v in query.items() if k != "$skiptoken")
            body["@odata.nextLink"] = (
                f"{CENTRAL_OWN_ADDRESS}{self.prefix}.svc/Submissions?{kept}&%24skiptoken={quote(token)}"
            )
        return body


class KoboServer(FakeServer):
    """KoboToolbox API v2: /api/v2/assets/<uid>/data/ (Token auth, `query` on _submission_time, `sort`,
    `start`/`limit` paging with absolute `next` links) and each attachment's download_url."""

    def __init__(self, *, token="kobo-api-token", asset="aBMAb2asset"):
        super().__init__()
        self.api_token, self.asset = token, asset

    def add(self, record: dict, **attachments) -> Stored:
        record = copy.deepcopy(record)
        record["_attachments"] = [
            {
                "download_url": f"{self.url}/api/v2/assets/{self.asset}/data/{record['_id']}/attachments/{n}/",
                "filename": f"kobo/attachments/{record['_uuid']}/{name}",
                "mimetype": "image/jpeg",
                "uid": f"att{n}",
            }
            for n, name in enumerate(attachments)
        ]
        stored = Stored(
            record["_uuid"], json.dumps(record).encode(), record["_submission_time"], attachments=attachments
        )
        self.records.append(stored)
        return stored

    def post(self, handler, body):
        handler._send(405, {"detail": "Method not allowed"})

    def get(self, handler):
        if handler.headers.get("Authorization") != f"Token {self.api_token}":
            return handler._send(401, {"detail": "Invalid token."})
        parts = urlsplit(handler.path)
        path, query = parts.path, parse_qs(parts.query)
        attachment = re.fullmatch(rf"/api/v2/assets/{self.asset}/data/(\d+)/attachments/(\d+)/", path)
        if attachment:
            for stored in self.records:
                record = json.loads(stored.payload)
                if str(record["_id"]) == attachment.group(1):
                    return handler._send(200, list(stored.attachments.values())[int(attachment.group(2))], "image/jpeg")
            return handler._send(404, {"detail": "Not found."})
        if path != f"/api/v2/assets/{self.asset}/data/":
            return handler._send(404, {"detail": "Not found."})
        rows = sorted(self.records, key=lambda r: r.submitted)
        if "query" in query:
            since = json.loads(query["query"][0])["_submission_time"]["$gt"]
            rows = [r for r in rows if r.submitted > since]
        start, limit = int(query.get("start", ["0"])[0]), int(query.get("limit", ["100"])[0])
        page = rows[start : start + limit]
        body = {"count": len(rows), "previous": None, "next": None, "results": [json.loads(r.payload) for r in page]}
        if start + limit < len(rows):
            kept = "&".join(f"{k}={quote(v[0])}" for k, v in query.items() if k != "start")
            body["next"] = f"{self.url}{path}?{kept}&start={start + limit}"
        return handler._send(200, body)
